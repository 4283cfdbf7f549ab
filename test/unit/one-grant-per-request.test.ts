import type { AccessRequest } from '../../src/domain/request';
import { MIN, Replies, U, world, type World } from './fakes';

async function open(w: World): Promise<AccessRequest> {
  const r = new Replies();
  await w.approvals.request(U.plat, { role: 'admin', reason: 'INC-9' }, r.reply);
  const last = r.last;
  if (!last || last.kind !== 'request-pending') throw new Error(`no request was opened: ${JSON.stringify(r.all)}`);
  return last.request;
}

/** Approves; a failure of the approver's click (the hub down at the last write) is not what is tested here. */
const approve = (w: World, id: string) => w.approvals.approve(id, U.appr1, new Replies().reply).catch(() => undefined);

describe('an approved request gives at most one grant, whatever fails in between', () => {
  test('the last compare-and-swap fails after the token was minted: resuming re-delivers the same grant', async () => {
    const w = world();
    const req = await open(w);
    // The write that records the delivery fails once (the claim before it succeeds).
    const store = w.store;
    const update = store.update.bind(store);
    let failed = false;
    store.update = async (current, next) => {
      if (next.state === 'delivered' && !failed) {
        failed = true;
        throw new Error('hub unavailable');
      }
      return update(current, next);
    };
    await approve(w, req.id);
    expect(failed).toBe(true);
    expect(w.store.peek(req.id)!.state).toBe('approved');

    w.clock.advance(3 * MIN);
    await w.approvals.resume();
    expect(w.hub.grantsById.size).toBe(1);
    expect(w.hub.callsOf('issue')).toHaveLength(1);
    expect(w.store.peek(req.id)).toMatchObject({ state: 'delivered', grantId: req.id });
    // The requester has a token of that one grant (twice, both bound to it).
    expect(w.notifier.deliveries.map((d) => d.grant.id)).toEqual([req.id, req.id]);

    // Later resumes leave it alone.
    w.clock.advance(3 * MIN);
    await w.approvals.resume();
    expect(w.hub.grantsById.size).toBe(1);
    expect(w.notifier.deliveries).toHaveLength(2);
  });

  test('a delivery slower than the reclaim: the replica taking over gives the same grant', async () => {
    const w = world();
    const req = await open(w);
    const deliver = w.notifier.deliverToken.bind(w.notifier);
    let slow = true;
    w.notifier.deliverToken = async (delivery) => {
      if (slow) {
        slow = false;
        // Slack is slow for the first replica; meanwhile the claim goes stale and another resumes.
        w.clock.advance(3 * MIN);
        await w.replica('replica-b').resume();
      }
      return deliver(delivery);
    };
    await approve(w, req.id);
    expect(w.hub.grantsById.size).toBe(1);
    expect(w.hub.callsOf('issue')).toHaveLength(1);
    expect(w.store.peek(req.id)).toMatchObject({ state: 'delivered', grantId: req.id, claim: { instance: 'replica-b' } });
    expect(w.audits.filter((a) => a.event === 'request.delivered')).toHaveLength(1);
  });

  test('two replicas issuing at once: the hub refuses the second grant and the loser re-delivers the first', async () => {
    const w = world();
    const req = await open(w);
    const ensure = w.hub.ensureIdentity.bind(w.hub);
    let raced = false;
    w.hub.ensureIdentity = async (role, userId) => {
      if (!raced) {
        raced = true;
        // Between the first replica's look-up and its create, the claim goes stale and another issues.
        w.clock.advance(3 * MIN);
        await w.replica('replica-b').resume();
      }
      return ensure(role, userId);
    };
    await approve(w, req.id);
    expect(raced).toBe(true);
    expect(w.hub.callsOf('issue')).toHaveLength(2);
    expect(w.hub.grantsById.size).toBe(1);
    expect(w.notifier.deliveries.map((d) => d.grant.id)).toEqual([req.id, req.id]);
    expect(w.store.peek(req.id)!.state).toBe('delivered');
  });
});
