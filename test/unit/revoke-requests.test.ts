import type { Ask } from '../../src/domain/policy';
import { Metrics } from '../../src/metrics';
import type { AccessRequest } from '../../src/domain/request';
import { MIN, Replies, U, world, type World } from './fakes';

async function open(w: World, userId: string, ask: Ask): Promise<AccessRequest> {
  const r = new Replies();
  await w.approvals.request(userId, ask, r.reply);
  const last = r.last;
  if (!last || last.kind !== 'request-pending') throw new Error(`no request was opened: ${JSON.stringify(r.all)}`);
  return last.request;
}

async function command(w: World, userId: string, text: string): Promise<string[]> {
  const r = new Replies();
  await w.service.command(userId, text, r.reply);
  return r.texts;
}

/** An approved request another replica claimed a moment ago and has not delivered yet. */
function approvedUndelivered(w: World, id: string): void {
  const now = w.clock.now();
  w.store.put({
    id,
    requester: U.plat,
    role: 'admin',
    seconds: 3600,
    reason: 'INC-7',
    state: 'approved',
    createdAt: now,
    expiresAt: new Date(now.getTime() + 30 * MIN),
    approvals: [{ userId: U.appr1, at: now }],
    decidedBy: U.appr1,
    decidedAt: now,
    claim: { instance: 'replica-b', at: now },
    cards: [{ channel: 'C1', ts: '1.1' }],
  });
}

describe('revoke @person ends their open requests too', () => {
  test('pending and approved-undelivered requests are cancelled, the cards redrawn, and nothing is delivered later', async () => {
    const w = world();
    const pending = await open(w, U.plat, { role: 'admin', reason: 'INC-1' });
    approvedUndelivered(w, 'approved01');
    w.hub.add({ id: 'aaaaaaaaaa', userId: U.plat, role: 'guest' });

    const texts = await command(w, U.appr1, `revoke <@${U.plat}>`);
    expect(texts).toEqual([`Revoked 1 of <@${U.plat}>'s grants; their tokens stop working within 10 seconds. Also ended 2 of <@${U.plat}>'s open requests; none of them will be delivered.`]);
    for (const id of [pending.id, 'approved01']) {
      expect(w.store.peek(id)).toMatchObject({ state: 'cancelled', decidedBy: U.appr1 });
      expect(w.notifier.redrawn).toContainEqual(expect.objectContaining({ id, state: 'cancelled' }));
    }
    expect(w.notifier.toldTo(U.plat)).toEqual([`<@${U.appr1}> revoked your Karpor grants (1) and ended your open access requests (2).`]);
    expect(w.audits.filter((a) => a.event === 'request.withdrawn').map((a) => a.request).sort()).toEqual([pending.id, 'approved01'].sort());

    // The claim goes stale and a replica resumes: nothing is issued, and an approval click finds the request closed.
    w.clock.advance(5 * MIN);
    await w.approvals.resume();
    const approveClick = new Replies();
    await w.approvals.approve(pending.id, U.appr2, approveClick.reply);
    expect(approveClick.lastText()).toMatch(/^This request was already cancelled by <@UAPPR01>/);
    expect(w.hub.callsOf('issue')).toHaveLength(0);
    expect(w.notifier.deliveries).toEqual([]);
  });

  test('a request withdrawn while its token is being made loses the grant too', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'INC-1' });
    const issue = w.hub.issue.bind(w.hub);
    w.hub.issue = async (...args) => {
      const issued = await issue(...args);
      // The revoke lands here: the requests are withdrawn before this grant is seen.
      await w.approvals.withdraw(U.plat, U.appr2);
      return issued;
    };
    await w.approvals.approve(req.id, U.appr1, new Replies().reply);
    expect(w.store.peek(req.id)!.state).toBe('cancelled');
    expect(w.hub.grantsById.size).toBe(0);
    expect(w.audits).toContainEqual(expect.objectContaining({ event: 'grant.revoked', by: 'withdrawn' }));
  });

  test('a person with only a pending request: revoking ends it and says so', async () => {
    const w = world();
    await open(w, U.plat, { role: 'admin', reason: 'INC-1' });
    expect(await command(w, U.plat, 'revoke all')).toEqual(['There were no active grants of yours to revoke. Also ended 1 of your open requests; none of them will be delivered.']);
    expect((await w.store.list({ state: 'pending' })).length).toBe(0);
  });

  test('finished requests are left alone', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'INC-1' });
    await w.approvals.approve(req.id, U.appr1, new Replies().reply);
    const before = w.store.peek(req.id)!;
    expect(before.state).toBe('delivered');
    await command(w, U.appr1, `revoke <@${U.plat}>`);
    expect(w.store.peek(req.id)).toEqual(before);
  });
});

test('a withdrawn request is counted as such in the approval-requests metric', async () => {
  const metrics = new Metrics();
  metrics.audited({ event: 'request.withdrawn', request: 'r', user: U.plat, role: 'admin', by: U.appr1 });
  expect(await metrics.registry.metrics()).toMatch(/karpor_token_bot_approval_requests_total\{outcome="withdrawn"\} 1/);
});
