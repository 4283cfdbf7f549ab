import { DeliveryError } from '../../src/domain/errors';
import type { Ask } from '../../src/domain/policy';
import type { AccessRequest } from '../../src/domain/request';
import { HOUR, MIN, Replies, U, world, type World } from './fakes';

async function open(w: World, userId: string, ask: Ask): Promise<AccessRequest> {
  const r = new Replies();
  await w.approvals.request(userId, ask, r.reply);
  const last = r.last;
  if (!last || last.kind !== 'request-pending') throw new Error(`no request was opened: ${JSON.stringify(r.all)}`);
  return last.request;
}

async function approveAs(w: World, id: string, userId: string): Promise<string> {
  const r = new Replies();
  await w.approvals.approve(id, userId, r.reply);
  return r.lastText();
}

describe('request → approve → token', () => {
  test('one approval: cards go to the approvers, the token is issued once and delivered, the requester is told', async () => {
    const w = world({ dashboardUrl: 'https://karpor.example.com' });
    const r = new Replies();
    await w.approvals.request(U.plat, { role: 'admin', seconds: 7200, reason: 'INC-42' }, r.reply);

    const [stored] = await w.store.all();
    expect(stored).toMatchObject({ requester: U.plat, role: 'admin', seconds: 7200, reason: 'INC-42', state: 'pending', approvals: [] });
    expect(stored!.expiresAt).toEqual(new Date(w.clock.now().getTime() + 30 * MIN));
    expect(w.notifier.posted).toHaveLength(1);
    expect(w.notifier.posted[0]!.approvers.sort()).toEqual([U.appr1, U.appr2]);
    expect(stored!.cards).toEqual([
      { channel: `D-${U.appr1}`, ts: expect.any(String) },
      { channel: `D-${U.appr2}`, ts: expect.any(String) },
    ]);
    expect(r.all).toEqual([{ kind: 'request-pending', request: expect.objectContaining({ id: stored!.id, cards: stored!.cards }) }]);
    expect(w.hub.callsOf('issue')).toHaveLength(0);
    expect(w.audits.map((a) => a.event)).toEqual(['request.opened']);

    w.clock.advance(5 * MIN);
    expect(await approveAs(w, stored!.id, U.appr1)).toBe(`Approved. <@${U.plat}> gets the token now.`);

    const issues = w.hub.callsOf('issue');
    expect(issues).toHaveLength(1);
    const [identity, grant, seconds] = issues[0]!.args as [{ clusterRole: string; serviceAccount: string }, Record<string, unknown>, number];
    expect(identity).toMatchObject({ clusterRole: 'karpor-admin', serviceAccount: 'karpor-admin' });
    expect(grant).toMatchObject({ userId: U.plat, role: 'admin', approvedBy: [U.appr1], reason: 'INC-42', requestId: stored!.id });
    expect(seconds).toBe(7200);

    expect(w.notifier.deliveries).toEqual([{ grant: expect.objectContaining({ userId: U.plat, role: 'admin' }), token: 'fake-token-1', dashboardUrl: 'https://karpor.example.com' }]);
    const final = w.store.peek(stored!.id)!;
    expect(final).toMatchObject({ state: 'delivered', decidedBy: U.appr1, grantId: stored!.id, claim: { instance: 'replica-a' } });
    expect(final.tokenExpiresAt).toEqual(new Date(w.clock.now().getTime() + 2 * HOUR));
    expect(w.notifier.toldTo(U.plat)).toEqual([`<@${U.appr1}> approved your request for \`admin\`; the token is in this DM (visible only to you).`]);
    expect(w.notifier.redrawn.at(-1)).toMatchObject({ id: stored!.id, state: 'delivered' });
    expect(w.audits.map((a) => a.event)).toEqual(['request.opened', 'request.approved', 'grant.issued', 'request.delivered']);
    expect(JSON.stringify(w.audits)).not.toContain('fake-token');
    expect(w.directory.liveLookups).toBe(1);
  });

  test('a requester who is also an approver gets no card of their own', async () => {
    const w = world({ groups: { [U.plat]: ['platform', 'approvers'], [U.appr1]: ['approvers'] } });
    await open(w, U.plat, { role: 'admin', reason: 'x' });
    expect(w.notifier.posted[0]!.approvers).toEqual([U.appr1]);
  });

  test('two approvals: the first is recorded, a repeat is refused, the second approves', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'audit' });
    expect(await approveAs(w, req.id, U.appr1)).toBe('Your approval is recorded; the request needs 1 more.');
    expect(w.store.peek(req.id)).toMatchObject({ state: 'pending', approvals: [{ userId: U.appr1 }] });
    expect(w.notifier.redrawn).toHaveLength(1);
    expect(await approveAs(w, req.id, U.appr1)).toBe('You have already approved this request; it needs 1 more approval(s).');
    expect(w.hub.callsOf('issue')).toHaveLength(0);

    expect(await approveAs(w, req.id, U.appr2)).toBe(`Approved. <@${U.plat}> gets the token now.`);
    expect(w.hub.callsOf('issue')).toHaveLength(1);
    expect((w.hub.callsOf('issue')[0]!.args[1] as { approvedBy: string[] }).approvedBy).toEqual([U.appr1, U.appr2]);
    expect(w.store.peek(req.id)).toMatchObject({ state: 'delivered', decidedBy: U.appr2 });
    expect(w.notifier.toldTo(U.plat)).toEqual([`<@${U.appr2}> approved your request for \`audit\`; the token is in this DM (visible only to you).`]);
  });

  test('a repeated click after the approval is told who approved, and nothing is issued again', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    await approveAs(w, req.id, U.appr1);
    expect(await approveAs(w, req.id, U.appr1)).toBe(`This request was already approved by <@${U.appr1}> (<!date^1893499200^{date_short_pretty} {time}|2030-01-01 12:00 UTC>).`);
    expect(await approveAs(w, req.id, U.appr2)).toBe(`This request was already approved by <@${U.appr1}> (<!date^1893499200^{date_short_pretty} {time}|2030-01-01 12:00 UTC>).`);
    expect(w.hub.callsOf('issue')).toHaveLength(1);
  });

  test.each<[string, string, string]>([
    ['the requester', U.plat, 'You cannot approve your own request.'],
    ['a non-approver', U.eng, 'Only members of the approver groups of `admin` can approve this request.'],
    ['a revoker who is no approver', U.admin, 'Only members of the approver groups of `admin` can approve this request.'],
  ])('%s cannot approve', async (_who, userId, message) => {
    const w = world({ groups: { [U.plat]: ['platform', 'approvers'], [U.eng]: ['engineers'], [U.admin]: ['karpor-admins'], [U.appr1]: ['approvers'] } });
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    expect(await approveAs(w, req.id, userId)).toBe(message);
    expect(w.store.peek(req.id)!.state).toBe('pending');
    expect(w.hub.callsOf('issue')).toHaveLength(0);
  });

  test('membership is checked live: an approver removed from the group is refused', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    w.directory.groupsOf[U.appr1] = [];
    expect(await approveAs(w, req.id, U.appr1)).toBe('Only members of the approver groups of `admin` can approve this request.');
  });

  test('an unknown request', async () => {
    const w = world();
    expect(await approveAs(w, 'req9999999', U.appr1)).toBe('That request does not exist.');
  });

  test('a request whose role left the policy says so', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    w.store.put({ ...w.store.peek(req.id)!, role: 'retired' });
    expect(await approveAs(w, req.id, U.appr1)).toBe('The role `retired` is no longer in the policy.');
    const r = new Replies();
    await w.approvals.deny(req.id, U.appr1, 'no', r.reply);
    expect(r.lastText()).toBe('The role `retired` is no longer in the policy.');
  });

  test('approving after the deadline is refused', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    w.clock.advance(40 * MIN);
    expect(await approveAs(w, req.id, U.appr1)).toBe('This request expired <!date^1893501000^{date_short_pretty} {time}|2030-01-01 12:30 UTC> (10m ago) without a decision.');
    expect(w.hub.callsOf('issue')).toHaveLength(0);
  });
});

describe('request: the policy is decided again', () => {
  test.each<[string, string, Ask, string]>([
    ['not allowed', U.eng, { role: 'admin', reason: 'x' }, 'You are not in a group that may request `admin`.'],
    ['too long', U.plat, { role: 'admin', seconds: 5 * 3600, reason: 'x' }, '`admin` can be had for at most 4h; you asked for 5h.'],
    ['unknown role', U.plat, { role: 'root', reason: 'x' }, 'There is no role "root".'],
    ['missing reason', U.plat, { role: 'admin', seconds: 7200 }, '`admin` needs a reason: `/karpor-token admin 2h -- <why you need it>`.'],
  ])('%s: nothing is stored', async (_what, userId, ask, message) => {
    const w = world();
    const r = new Replies();
    await w.approvals.request(userId, ask, r.reply);
    expect(r.lastText()).toContain(message);
    expect(await w.store.all()).toEqual([]);
    expect(w.notifier.posted).toEqual([]);
    expect(w.hub.callsOf('issue')).toHaveLength(0);
  });

  test('a role without approval is issued at once', async () => {
    const w = world();
    const r = new Replies();
    await w.approvals.request(U.eng, { role: 'guest' }, r.reply);
    expect(r.texts).toEqual(['Your `guest` token is in your DM with me.']);
    expect(w.hub.callsOf('issue')).toHaveLength(1);
    expect(await w.store.all()).toEqual([]);
  });
});

describe('concurrent clicks', () => {
  test.each<[string, 'admin' | 'audit']>([
    ['count 1', 'admin'],
    ['count 2', 'audit'],
  ])('20 concurrent approvals from 2 approvers (%s) issue exactly one token', async (_what, role) => {
    const w = world();
    const req = await open(w, U.plat, { role, reason: 'x' });
    const replies = Array.from({ length: 20 }, () => new Replies());
    await Promise.all(replies.map((r, i) => w.approvals.approve(req.id, i % 2 === 0 ? U.appr1 : U.appr2, r.reply)));

    expect(w.hub.callsOf('issue')).toHaveLength(1);
    expect(w.notifier.deliveries).toHaveLength(1);
    expect(w.notifier.toldTo(U.plat)).toHaveLength(1);
    const final = w.store.peek(req.id)!;
    expect(final.state).toBe('delivered');
    expect(new Set(final.approvals.map((a) => a.userId)).size).toBe(final.approvals.length);
    expect(final.approvals).toHaveLength(role === 'admin' ? 1 : 2);
    const texts = replies.map((r) => r.lastText());
    expect(texts.filter((t) => t.startsWith('Approved.'))).toHaveLength(1);
    for (const t of texts) expect(t).toMatch(/^(Approved\.|Your approval is recorded|You have already approved|This request was already approved by <@UAPPR0[12]>)/);
    expect(w.store.stale).toBeGreaterThan(0);
    expect(w.audits.filter((a) => a.event === 'grant.issued')).toHaveLength(1);
  });

  test('clicks spread over two replicas still issue exactly one token', async () => {
    const w = world();
    const b = w.replica('replica-b');
    const req = await open(w, U.plat, { role: 'audit', reason: 'x' });
    const r = new Replies();
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? w.approvals : b).approve(req.id, i % 4 < 2 ? U.appr1 : U.appr2, r.reply)));
    expect(w.hub.callsOf('issue')).toHaveLength(1);
    expect(w.store.peek(req.id)!.state).toBe('delivered');
  });

  test('an approval racing a deny: exactly one wins and the loser is told who', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    const ra = new Replies();
    const rd = new Replies();
    await Promise.all([w.approvals.approve(req.id, U.appr1, ra.reply), w.approvals.deny(req.id, U.appr2, 'no', rd.reply)]);
    const state = w.store.peek(req.id)!.state;
    expect(['delivered', 'denied']).toContain(state);
    if (state === 'delivered') {
      expect(rd.lastText()).toBe(`This request was already approved by <@${U.appr1}> (<!date^1893499200^{date_short_pretty} {time}|2030-01-01 12:00 UTC>).`);
      expect(w.hub.callsOf('issue')).toHaveLength(1);
    } else {
      expect(ra.lastText()).toBe(`This request was already denied by <@${U.appr2}> (<!date^1893499200^{date_short_pretty} {time}|2030-01-01 12:00 UTC>).`);
      expect(w.hub.callsOf('issue')).toHaveLength(0);
    }
  });

  test('approve on one replica racing resume on another issues once', async () => {
    const w = world();
    const b = w.replica('replica-b');
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    await Promise.all([w.approvals.approve(req.id, U.appr1, new Replies().reply), b.resume(), b.resume()]);
    expect(w.hub.callsOf('issue')).toHaveLength(1);
    expect(w.store.peek(req.id)!.state).toBe('delivered');
  });
});

describe('deny and cancel', () => {
  test('a deny reason reaches the requester; later clicks are told who denied', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', seconds: 7200, reason: 'x' });
    w.clock.advance(3 * MIN);
    const r = new Replies();
    await w.approvals.deny(req.id, U.appr1, 'use the read-only role first', r.reply);
    expect(r.texts).toEqual(['Denied; the requester has been told why.']);
    expect(w.notifier.toldTo(U.plat)).toEqual([`<@${U.appr1}> denied your request for \`admin\` (2h): use the read-only role first`]);
    expect(w.store.peek(req.id)).toMatchObject({ state: 'denied', decidedBy: U.appr1, denyReason: 'use the read-only role first' });
    expect(w.notifier.redrawn.at(-1)).toMatchObject({ state: 'denied' });
    expect(w.audits.find((a) => a.event === 'request.denied')).toMatchObject({ approver: U.appr1, denyReason: 'use the read-only role first' });
    expect(await approveAs(w, req.id, U.appr2)).toBe(`This request was already denied by <@${U.appr1}> (<!date^1893499380^{date_short_pretty} {time}|2030-01-01 12:03 UTC>).`);
    expect(w.hub.callsOf('issue')).toHaveLength(0);
  });

  test.each<[string, string, string]>([
    ['the requester', U.plat, 'You cannot decide on your own request; use Cancel to withdraw it.'],
    ['a non-approver', U.eng, 'Only members of the approver groups of `admin` can deny this request.'],
  ])('%s cannot deny', async (_who, userId, message) => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    const r = new Replies();
    await w.approvals.deny(req.id, userId, 'no', r.reply);
    expect(r.texts).toEqual([message]);
    expect(w.notifier.told).toEqual([]);
    expect(w.store.peek(req.id)!.state).toBe('pending');
  });

  test('the requester cancels; nobody else can, and approvals after it are refused', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    const other = new Replies();
    await w.approvals.cancel(req.id, U.appr1, other.reply);
    expect(other.texts).toEqual(['Only the person who asked can cancel this request.']);
    expect(w.store.peek(req.id)!.state).toBe('pending');

    const mine = new Replies();
    await w.approvals.cancel(req.id, U.plat, mine.reply);
    expect(mine.texts).toEqual(['Your request is cancelled.']);
    expect(w.store.peek(req.id)).toMatchObject({ state: 'cancelled', decidedBy: U.plat });
    expect(w.notifier.redrawn.at(-1)).toMatchObject({ state: 'cancelled' });
    expect(w.audits.at(-1)).toMatchObject({ event: 'request.cancelled', user: U.plat });

    expect(await approveAs(w, req.id, U.appr1)).toBe(`This request was already cancelled by <@${U.plat}> (<!date^1893499200^{date_short_pretty} {time}|2030-01-01 12:00 UTC>).`);
    const again = new Replies();
    await w.approvals.cancel(req.id, U.plat, again.reply);
    expect(again.texts).toEqual([`This request was already cancelled by <@${U.plat}> (<!date^1893499200^{date_short_pretty} {time}|2030-01-01 12:00 UTC>).`]);
    expect(w.hub.callsOf('issue')).toHaveLength(0);
  });
});

describe('resume', () => {
  function seed(w: World, id: string, overrides: Partial<AccessRequest>): void {
    const now = w.clock.now();
    w.store.put({
      id,
      requester: U.plat,
      role: 'admin',
      seconds: 3600,
      reason: 'x',
      state: 'pending',
      createdAt: new Date(now.getTime() - 10 * MIN),
      expiresAt: new Date(now.getTime() + 20 * MIN),
      approvals: [],
      cards: [{ channel: 'C1', ts: '1.1' }],
      ...overrides,
    });
  }
  const approvedBy = (w: World) => ({ state: 'approved' as const, approvals: [{ userId: U.appr1, at: w.clock.now() }], decidedBy: U.appr1, decidedAt: w.clock.now() });

  test('overdue pending requests expire and their requesters are told; the rest stay', async () => {
    const w = world();
    seed(w, 'overdue001', { expiresAt: new Date(w.clock.now().getTime() - 5 * MIN) });
    seed(w, 'deadline01', { expiresAt: w.clock.now(), requester: U.eng2 });
    seed(w, 'fresh00001', { expiresAt: new Date(w.clock.now().getTime() + MIN), requester: U.eng });
    // What is left waiting is counted (the pending-requests gauge).
    expect(await w.approvals.resume()).toBe(1);
    expect(w.store.peek('overdue001')).toMatchObject({ state: 'expired', decidedAt: w.clock.now() });
    expect(w.store.peek('deadline01')!.state).toBe('expired');
    expect(w.store.peek('fresh00001')!.state).toBe('pending');
    expect(w.notifier.toldTo(U.plat)).toEqual(['Your request for `admin` expired <!date^1893498900^{date_short_pretty} {time}|2030-01-01 11:55 UTC> without a decision. Ask again if you still need it.']);
    expect(w.notifier.toldTo(U.eng)).toEqual([]);
    expect(w.notifier.redrawn.map((r) => r.id).sort()).toEqual(['deadline01', 'overdue001']);
    expect(w.hub.callsOf('issue')).toHaveLength(0);
  });

  test('an approved request nobody claimed is delivered', async () => {
    const w = world();
    seed(w, 'approved01', approvedBy(w));
    await w.approvals.resume();
    expect(w.hub.callsOf('issue')).toHaveLength(1);
    expect(w.store.peek('approved01')).toMatchObject({ state: 'delivered', claim: { instance: 'replica-a' } });
    expect(w.notifier.toldTo(U.plat)).toHaveLength(1);
  });

  test.each<[string, number, number]>([
    ['claimed 30s ago by another replica: left alone', 30_000, 0],
    ['claimed 119s ago by another replica: left alone', 119_000, 0],
    ['claimed 2m ago by another replica: taken over', 120_000, 1],
    ['claimed 10m ago by another replica: taken over', 600_000, 1],
  ])('%s', async (_what, ago, issues) => {
    const w = world();
    seed(w, 'approved01', { ...approvedBy(w), claim: { instance: 'replica-b', at: new Date(w.clock.now().getTime() - ago) } });
    await w.approvals.resume();
    expect(w.hub.callsOf('issue')).toHaveLength(issues);
    expect(w.store.peek('approved01')!.state).toBe(issues ? 'delivered' : 'approved');
  });

  test('final requests are left alone', async () => {
    const w = world();
    for (const state of ['denied', 'cancelled', 'expired', 'delivered', 'failed'] as const) {
      seed(w, `final-${state}`, { state, expiresAt: new Date(w.clock.now().getTime() - HOUR) });
    }
    const before = (await w.store.all()).map((r) => r.version);
    await w.approvals.resume();
    expect((await w.store.all()).map((r) => r.version)).toEqual(before);
    expect(w.notifier.told).toEqual([]);
    expect(w.hub.calls).toEqual([]);
  });

  test('two replicas resuming at once deliver an unclaimed request once', async () => {
    const w = world();
    seed(w, 'approved01', approvedBy(w));
    await Promise.all([w.approvals.resume(), w.replica('replica-b').resume(), w.replica('replica-c').resume()]);
    expect(w.hub.callsOf('issue')).toHaveLength(1);
  });
});

describe('failed delivery', () => {
  test('a token nobody received is revoked and the requester is told', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    w.notifier.failDelivery = new DeliveryError('chat.postEphemeral: user_not_in_channel', 'post-token');
    expect(await approveAs(w, req.id, U.appr1)).toBe(`Approved. <@${U.plat}> gets the token now.`);

    expect(w.hub.callsOf('issue')).toHaveLength(1);
    expect(w.hub.revoked).toEqual([req.id]);
    expect(w.hub.grantsById.size).toBe(0);
    expect(w.store.peek(req.id)).toMatchObject({ state: 'failed', failure: 'chat.postEphemeral: user_not_in_channel' });
    expect(w.notifier.toldTo(U.plat)).toEqual([`Your request for \`admin\` was approved by <@${U.appr1}>, but I could not issue the token. Please ask again.`]);
    expect(w.audits.map((a) => a.event)).toEqual(expect.arrayContaining(['grant.undelivered', 'request.failed']));
    expect(w.audits.map((a) => a.event)).not.toContain('grant.issued');
  });

  test('a hub failure fails the request without anything to revoke', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    w.hub.failIssue = new Error('connect ECONNREFUSED');
    await approveAs(w, req.id, U.appr1);
    expect(w.store.peek(req.id)).toMatchObject({ state: 'failed', failure: 'connect ECONNREFUSED' });
    expect(w.hub.revoked).toEqual([]);
    expect(w.notifier.toldTo(U.plat)[0]).toContain('I could not issue the token');
  });

  test('a requester who lost the role between approval and delivery gets nothing', async () => {
    const w = world();
    const req = await open(w, U.plat, { role: 'admin', reason: 'x' });
    w.directory.groupsOf[U.plat] = ['engineers'];
    await approveAs(w, req.id, U.appr1);
    expect(w.hub.callsOf('issue')).toHaveLength(0);
    expect(w.store.peek(req.id)!.state).toBe('failed');
    expect(w.store.peek(req.id)!.failure).toContain('requester may no longer have it: not-allowed');
  });
});
