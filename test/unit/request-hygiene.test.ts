import { policyFrom } from '../../src/config/policy-file';
import { groupHandles } from '../../src/domain/policy';
import { pastRetention } from '../../src/domain/request';
import { MIN, Replies, samplePolicy, U, world } from './fakes';

const DAY = 24 * 60 * MIN;

async function ask(w: ReturnType<typeof world>, reason: string): Promise<Replies> {
  const r = new Replies();
  await w.approvals.request(U.plat, { role: 'admin', reason }, r.reply);
  return r;
}

describe('open requests per person are capped', () => {
  test('by default 3 wait at once; the 4th gets a clear answer and opens nothing', async () => {
    const w = world();
    for (const n of [1, 2, 3]) expect((await ask(w, `INC-${n}`)).last?.kind).toBe('request-pending');
    const fourth = await ask(w, 'INC-4');
    expect(fourth.lastText()).toBe('You already have 3 request(s) waiting for approval; the most at once is 3. Cancel one, or wait for a decision (see `/karpor-token status`).');
    expect(await w.store.all()).toHaveLength(3);
    expect(w.notifier.posted).toHaveLength(3);
  });

  test('the policy sets the cap; expired and decided requests do not count', async () => {
    const w = world({ policy: { ...samplePolicy(), requests: { maxOpenPerPerson: 1, keepFinishedSeconds: DAY } } });
    const first = await ask(w, 'INC-1');
    expect((await ask(w, 'INC-2')).last?.kind).toBe('too-many-open-requests');
    w.clock.advance(31 * MIN);
    expect((await ask(w, 'INC-3')).last?.kind).toBe('request-pending');
    expect(first.last?.kind).toBe('request-pending');
    const [open] = await w.store.list({ state: 'pending' }).then((rs) => rs.filter((r) => r.expiresAt > w.clock.now()));
    await w.approvals.cancel(open!.id, U.plat, new Replies().reply);
    expect((await ask(w, 'INC-4')).last?.kind).toBe('request-pending');
  });

  test('policy file: `requests` sets the cap and the retention, and is checked', () => {
    const roles = { guest: { clusterRole: 'karpor-guest', users: ['U1X'] } };
    expect(policyFrom({ roles }).requests).toBeUndefined();
    expect(policyFrom({ roles, requests: { maxOpenPerPerson: 5, keepFinished: '7d' } }).requests).toEqual({ maxOpenPerPerson: 5, keepFinishedSeconds: 7 * 86_400 });
    expect(policyFrom({ roles, requests: {} }).requests).toEqual({ maxOpenPerPerson: 3, keepFinishedSeconds: 30 * 86_400 });
    expect(() => policyFrom({ roles, requests: { maxOpenPerPerson: 0 } })).toThrow(/maxOpenPerPerson/);
    expect(() => policyFrom({ roles, requests: { keepForever: true } })).toThrow(/keepForever/);
  });
});

describe('finished requests are deleted after the retention', () => {
  test('the rule: only finished requests, counted from their end', () => {
    const now = new Date('2030-03-01T00:00:00Z');
    const base = { id: 'r', requester: U.plat, role: 'admin', seconds: 3600, createdAt: new Date(now.getTime() - 60 * DAY), expiresAt: new Date(now.getTime() - 60 * DAY), approvals: [], cards: [] };
    expect(pastRetention({ ...base, state: 'pending' }, now, 30 * 86_400)).toBe(false);
    expect(pastRetention({ ...base, state: 'approved' }, now, 30 * 86_400)).toBe(false);
    expect(pastRetention({ ...base, state: 'expired' }, now, 30 * 86_400)).toBe(true);
    expect(pastRetention({ ...base, state: 'delivered', decidedAt: new Date(now.getTime() - 29 * DAY) }, now, 30 * 86_400)).toBe(false);
    expect(pastRetention({ ...base, state: 'denied', decidedAt: new Date(now.getTime() - 31 * DAY) }, now, 30 * 86_400)).toBe(true);
  });

  test('purgeFinished deletes those past the retention and keeps the rest', async () => {
    const w = world();
    const old = (await ask(w, 'INC-1')).last;
    if (old?.kind !== 'request-pending') throw new Error('not opened');
    await w.approvals.cancel(old.request.id, U.plat, new Replies().reply);
    w.clock.advance(20 * DAY);
    const recent = (await ask(w, 'INC-2')).last;
    if (recent?.kind !== 'request-pending') throw new Error('not opened');
    await w.approvals.cancel(recent.request.id, U.plat, new Replies().reply);
    const waiting = (await ask(w, 'INC-3')).last;
    w.clock.advance(11 * DAY);
    expect(await w.approvals.purgeFinished()).toBe(1);
    expect(w.store.peek(old.request.id)).toBeUndefined();
    expect(w.store.peek(recent.request.id)?.state).toBe('cancelled');
    expect(waiting?.kind === 'request-pending' && w.store.peek(waiting.request.id)).toBeTruthy();
  });
});

describe('user groups named by handle', () => {
  test('the handles in the policy, each once; IDs are not handles', () => {
    const policy = samplePolicy({ revokers: { groups: ['S0123ABC', 'karpor-admins'], users: [] } });
    expect(groupHandles(policy).sort()).toEqual(['approvers', 'engineers', 'karpor-admins', 'platform']);
    expect(groupHandles({ ...policy, roles: [], revokers: { groups: ['S0123ABC'], users: [] } })).toEqual([]);
  });
});
