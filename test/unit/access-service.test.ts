import { say as word, USAGE } from '../../src/slack/text/answers';
import type { Finding } from '../../src/domain/doctor';
import { DeliveryError, HubError, RoleMismatchError } from '../../src/domain/errors';
import type { Grant } from '../../src/domain/grant';
import type { Person } from '../../src/domain/policy';
import { AccessService } from '../../src/domain/access-service';
import { slackMarkup } from '../../src/slack/text/markup';
import { HOUR, MIN, person, Replies, U, world, type World } from './fakes';

async function say(w: World, userId: string, text: string): Promise<{ texts: string[]; outcome: Awaited<ReturnType<World['service']['command']>> }> {
  const r = new Replies();
  const outcome = await w.service.command(userId, text, r.reply);
  return { texts: r.texts, outcome };
}

function grantOf(w: World, userId: string, id: string, overrides: Partial<Grant> = {}): Grant {
  return w.hub.add({ id, userId, role: 'guest', ...overrides });
}

const eng = person(U.eng, 'engineers');

describe('command: direct grants', () => {
  test('a role without approval is issued once and delivered; the answer says when it expires', async () => {
    const w = world({ dashboardUrl: 'https://karpor.example.com' });
    const { texts, outcome } = await say(w, U.eng, 'guest 2h');
    expect(outcome).toMatchObject({ kind: 'done' });
    expect(texts).toEqual(['Your `guest` token is in your DM with me. It expires <!date^1893506400^{date_short_pretty} {time}|2030-01-01 14:00 UTC> (in 2h).']);
    const issues = w.hub.callsOf('issue');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.args).toEqual([
      { namespace: 'karpor', serviceAccount: 'karpor-guest', clusterRole: 'karpor-guest' },
      { userId: U.eng, role: 'guest', grantedAt: w.clock.now() },
      7200,
    ]);
    expect(w.notifier.deliveries).toEqual([{ grant: expect.objectContaining({ id: 'grant00001', userId: U.eng }), token: 'fake-token-1', dashboardUrl: 'https://karpor.example.com' }]);
    expect(w.audits).toEqual([expect.objectContaining({ event: 'grant.issued', grant: 'grant00001', user: U.eng, role: 'guest', seconds: 7200, serviceAccount: 'karpor-guest' })]);
    expect(JSON.stringify(w.audits)).not.toContain('fake-token');
  });

  test('the default duration applies when none is given', async () => {
    const w = world();
    await say(w, U.eng, 'guest');
    expect(w.hub.callsOf('issue')[0]!.args[2]).toBe(3600);
  });

  test('per-user identities name the person', async () => {
    const w = world();
    w.hub.identityMode = { mode: 'per-user', prefix: 'karpor' };
    await say(w, U.eng, 'guest');
    expect((w.hub.callsOf('issue')[0]!.args[0] as { serviceAccount: string }).serviceAccount).toBe('karpor-guest-ueng001');
  });

  test('no dashboard URL, no dashboardUrl key', async () => {
    const w = world();
    await say(w, U.eng, 'guest');
    expect(Object.keys(w.notifier.deliveries[0]!)).toEqual(['grant', 'token']);
  });

  test.each<[string, string, string]>([
    ['a parse error is answered without asking anyone', 'guest 8h please', 'Unexpected "please" after the duration.'],
    ['an unknown role', 'root', 'There is no role "root".'],
    ['a role of others', 'admin', 'You are not in a group that may request `admin`.'],
    ['too long', 'guest 9h', '`guest` can be had for at most 8h; you asked for 9h.'],
    ['too short', 'guest 5m', '5m is too short'],
  ])('%s', async (_what, text, fragment) => {
    const w = world();
    const { texts, outcome } = await say(w, U.eng, text);
    expect(outcome).toMatchObject({ kind: 'done' });
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain(fragment);
    expect(w.hub.callsOf('issue')).toHaveLength(0);
    expect(w.notifier.deliveries).toHaveLength(0);
  });

  test('a refusal is audited, a parse error is not', async () => {
    const w = world();
    await say(w, U.eng, 'admin');
    await say(w, U.eng, 'admin 1.5h');
    expect(w.audits).toEqual([{ event: 'request.refused', user: U.eng, role: 'admin', why: 'not-allowed' }]);
  });

  test.each<[string, string, object]>([
    ['without a reason', 'admin', { role: expect.objectContaining({ alias: 'admin' }), seconds: 3600, needsReason: true }],
    ['with a reason', 'admin 2h -- INC-42', { seconds: 7200, reason: 'INC-42', needsReason: false }],
    ['reason optional', 'audit', { seconds: 3600, needsReason: false }],
  ])('a role that needs approval goes back to the edge (%s)', async (_what, text, expected) => {
    const w = world();
    const { texts, outcome } = await say(w, U.plat, text);
    expect(texts).toEqual([]);
    expect(outcome).toMatchObject({ kind: 'approval', person: { userId: U.plat }, ...expected });
    if (outcome.kind === 'approval' && !('reason' in expected)) expect('reason' in outcome).toBe(false);
    expect(w.hub.calls).toEqual([]);
  });
});

describe('command: failures become specific answers with a reference', () => {
  test('the directory is down: nothing is issued, the person is told to try later', async () => {
    const w = world();
    w.directory.unavailable = true;
    const { texts } = await say(w, U.eng, 'guest');
    expect(texts).toEqual(['I cannot check your Slack user groups right now, so I can give you nothing. Try again in a few minutes. (ref ref-1)']);
    expect(w.hub.calls).toEqual([]);
    expect(w.errors).toEqual([{ obj: expect.objectContaining({ ref: 'ref-1', user: U.eng, what: 'request' }), msg: 'request failed' }]);
  });

  test('a hub error shows its user message', async () => {
    const w = world();
    w.hub.failIssue = new HubError('unavailable', 'connect ECONNREFUSED 10.0.0.1:6443', 'The Karpor hub is not answering; nothing was issued.');
    const { texts } = await say(w, U.eng, 'guest');
    expect(texts).toEqual(['The Karpor hub is not answering; nothing was issued. (ref ref-1)']);
    expect(texts[0]).not.toContain('10.0.0.1');
  });

  test("a role whose RBAC on the hub is not the bot's is refused, the hub's names shown literally", async () => {
    const w = world();
    w.hub.failIssue = new RoleMismatchError('guest', 'ClusterRoleBinding <!channel> also gives Group system:serviceaccounts:karpor-guests ClusterRole karpor-admin');
    const { texts } = await say(w, U.eng, 'guest');
    expect(texts).toEqual([
      "The hub's RBAC for `guest` is not what this bot expects (ClusterRoleBinding &lt;!channel&gt; also gives Group system:serviceaccounts:karpor-guests ClusterRole karpor-admin), so I issued nothing. Your Karpor administrators have been alerted. (ref ref-1)",
    ]);
  });

  test('an unexpected error shows a generic message, never its details', async () => {
    const w = world();
    w.hub.failIssue = new Error('secret internal detail');
    const { texts } = await say(w, U.eng, 'guest');
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^Something went wrong on my side; nothing was issued\..*\(ref ref-1\)\.?$/);
    expect(texts[0]).not.toContain('secret internal detail');
    expect(w.errors[0]!.obj).toMatchObject({ err: w.hub.failIssue });
  });

  test('a token that could not be delivered is revoked at once', async () => {
    const w = world();
    w.notifier.failDelivery = new DeliveryError('chat.postEphemeral: cannot_dm_bot', 'post-token');
    const { texts } = await say(w, U.eng, 'guest');
    expect(texts).toEqual(['I could not put the token in your DM with me, so I revoked it again. Open a DM with the Karpor token app (Apps → Karpor tokens) and try again. (ref ref-1)']);
    expect(w.hub.callsOf('issue')).toHaveLength(1);
    expect(w.hub.revoked).toEqual(['grant00001']);
    expect(w.hub.grantsById.size).toBe(0);
    expect(w.audits.map((a) => a.event)).toEqual(['grant.undelivered']);
  });

  test.each<[number, RegExp]>([
    [401, /did not recognise the new token/],
    [403, /will not let it log in/],
    [0, /did not answer when I checked/],
    [404, /answered 404 when I checked/],
  ])('a token the hub refuses at the login check (%s) is never delivered, and its grant is removed', async (status, why) => {
    const w = world();
    w.hub.proof = { accepted: false, status };
    const { texts } = await say(w, U.eng, 'guest');
    expect(w.hub.callsOf('proveToken')).toEqual([{ method: 'proveToken', args: ['fake-token-1'] }]);
    expect(w.notifier.deliveries).toEqual([]);
    expect(w.hub.revoked).toEqual(['grant00001']);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^I did not send you the token: /);
    expect(texts[0]).toMatch(why);
    expect(texts[0]).toMatch(/I removed the grant.*\(ref ref-1\)$/);
    expect(w.audits).toEqual([{ event: 'grant.refused-by-hub', grant: 'grant00001', user: U.eng, role: 'guest', status }]);
  });

  test('a token is proven before it is delivered', async () => {
    const w = world();
    await say(w, U.eng, 'guest');
    const order = w.hub.calls.map((c) => c.method);
    expect(order.indexOf('proveToken')).toBeGreaterThan(order.indexOf('issue'));
    expect(w.notifier.deliveries).toHaveLength(1);
  });

  test('someone the bot cannot DM is told so, and no token is made for them', async () => {
    const w = world();
    w.notifier.unreachable = new DeliveryError('conversations.open: cannot_dm_bot', 'open-dm');
    const { texts } = await say(w, U.eng, 'guest');
    expect(texts).toEqual(['I could not open a DM with you, so nothing was issued. Make sure you can message the Karpor token app, then try again. (ref ref-1)']);
    expect(w.hub.callsOf('issue')).toHaveLength(0);
    expect(w.hub.callsOf('ensureIdentity')).toHaveLength(0);
  });

  test('a failing revoke after a failed delivery still reports the delivery failure', async () => {
    const w = world();
    w.notifier.failDelivery = new DeliveryError('dm failed', 'post-token');
    w.hub.revoke = async () => {
      throw new Error('hub down too');
    };
    const { texts } = await say(w, U.eng, 'guest');
    expect(texts).toEqual([expect.stringMatching(/^I could not put the token in your DM with me, so I revoked it again\..* \(ref ref-1\)$/)]);
  });
});

describe('help and status', () => {
  test('help lists what the person may request and the usage', async () => {
    const w = world();
    const { texts } = await say(w, U.plat, 'help');
    expect(texts).toHaveLength(1);
    const lines = texts[0]!.split('\n');
    expect(lines[0]).toContain('*Karpor tokens*');
    expect(lines[1]).toBe('You may request: `guest` (up to 8h), `admin` (up to 4h, needs approval), `audit` (up to 4h, needs approval).');
    expect(lines[2]).toBe(USAGE);
    expect((await say(w, U.plat, '')).texts).toEqual(texts);
  });

  test('help warns first when the hub accepts any token', () => {
    const w = world();
    const service = new AccessService({ policy: w.policy, directory: w.directory, hub: w.hub, notifier: w.notifier, clock: w.clock, audit: () => undefined, newRef: () => 'r', markup: slackMarkup, hubAcceptsAnyToken: () => true, log: { error: () => undefined } });
    expect(word(service.help(eng)).split('\n')[0]).toMatch(/^:warning: The Karpor hub has RBAC turned off/);
  });

  test('status without grants', async () => {
    const w = world();
    expect((await say(w, U.eng, 'status')).texts).toEqual(['You have no active Karpor grants.']);
  });

  test('status lists live grants of the person only, with approvers', async () => {
    const w = world();
    const now = w.clock.now().getTime();
    grantOf(w, U.eng, 'aaaaaaaaaa', { expiresAt: new Date(now + 90 * MIN) });
    grantOf(w, U.eng, 'bbbbbbbbbb', { role: 'admin', expiresAt: new Date(now + 26 * HOUR), approvedBy: [U.appr1, U.appr2] });
    grantOf(w, U.eng, 'cccccccccc', { expiresAt: new Date(now - MIN) });
    grantOf(w, U.eng, 'dddddddddd', { expiresAt: new Date(now) });
    grantOf(w, U.eng2, 'eeeeeeeeee');
    expect((await say(w, U.eng, 'status')).texts).toEqual([
      'Your active Karpor grants:\n' +
        '• `aaaaaaaaaa` guest, expires <!date^1893504600^{date_short_pretty} {time}|2030-01-01 13:30 UTC> (in 1h 30m)\n' +
        `• \`bbbbbbbbbb\` admin, expires <!date^1893592800^{date_short_pretty} {time}|2030-01-02 14:00 UTC> (in 1d 2h), approved by <@${U.appr1}>, <@${U.appr2}>`,
    ]);
  });
  test('status also lists my requests still waiting for approval', async () => {
    const w = world();
    await w.approvals.request(U.plat, { role: 'admin', seconds: 3600, reason: 'deploy' }, async () => undefined);
    await w.approvals.request(U.eng2, { role: 'admin', seconds: 3600, reason: 'not mine' }, async () => undefined);
    const text = (await say(w, U.plat, 'status')).texts[0]!;
    expect(text).toMatch(/^You have no active Karpor grants\.\nYour requests waiting for approval:\n• `req0000001` admin for 1h, open until <!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC> \(in 30m\)$/);
    w.clock.advance(31 * MIN);
    expect((await say(w, U.plat, 'status')).texts).toEqual(['You have no active Karpor grants.']);
  });
});

describe('revoke', () => {
  const revokedOne = (id: string, role = 'guest') => new RegExp(`^Revoked grant \`${id}\` \\(${role}\\); its tokens `);

  test('my own grant by id', async () => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    expect((await say(w, U.eng, 'revoke aaaaaaaaaa')).texts[0]).toMatch(revokedOne('aaaaaaaaaa'));
    expect(w.hub.revoked).toEqual(['aaaaaaaaaa']);
    expect(w.notifier.told).toEqual([]);
    expect(w.audits).toEqual([{ event: 'grant.revoked', grant: 'aaaaaaaaaa', user: U.eng, role: 'guest', by: U.eng }]);
  });

  test.each<[string, string]>([
    ['another engineer', U.eng2],
    ['a platform member', U.plat],
    ['someone in no group', U.outsider],
  ])("%s cannot revoke someone else's grant, nor learn that it exists", async (_who, userId) => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    const theirs = (await say(w, userId, 'revoke aaaaaaaaaa')).texts;
    const missing = (await say(w, userId, 'revoke zzzzzzzzzz')).texts;
    expect(theirs).toEqual(['There is no grant `aaaaaaaaaa` of yours. See `/karpor-token status`.']);
    expect(missing).toEqual(['There is no grant `zzzzzzzzzz` of yours. See `/karpor-token status`.']);
    expect(w.hub.revoked).toEqual([]);
    expect(w.hub.grantsById.has('aaaaaaaaaa')).toBe(true);
    expect(w.notifier.told).toEqual([]);
  });

  test.each<[string, string]>([
    ['an approver', U.appr1],
    ['a revoker', U.admin],
  ])("%s revokes someone else's grant and the owner is told", async (_who, userId) => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    expect((await say(w, userId, 'revoke aaaaaaaaaa')).texts[0]).toMatch(revokedOne('aaaaaaaaaa'));
    expect(w.hub.revoked).toEqual(['aaaaaaaaaa']);
    expect(w.notifier.told).toEqual([{ userId: U.eng, text: `<@${userId}> revoked your \`guest\` Karpor grant \`aaaaaaaaaa\`.` }]);
    expect(w.audits).toEqual([expect.objectContaining({ event: 'grant.revoked', user: U.eng, by: userId })]);
  });

  test('all of mine: only live ones, only mine', async () => {
    const w = world();
    const now = w.clock.now().getTime();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    grantOf(w, U.eng, 'bbbbbbbbbb', { role: 'admin' });
    grantOf(w, U.eng, 'cccccccccc', { expiresAt: new Date(now - MIN) });
    grantOf(w, U.eng2, 'dddddddddd');
    for (const text of ['revoke', 'revoke all', `revoke <@${U.eng}|me>`]) {
      const w2 = world();
      for (const g of w.hub.grantsById.values()) w2.hub.add(g);
      const { texts } = await say(w2, U.eng, text);
      expect(texts[0]).toMatch(/^Revoked 2 of your grants; their tokens /);
      expect(w2.hub.revoked.sort()).toEqual(['aaaaaaaaaa', 'bbbbbbbbbb']);
      expect(w2.notifier.told).toEqual([]);
      expect(w2.audits.at(-1)).toEqual({ event: 'grants.revoked', user: U.eng, by: U.eng, count: 2 });
    }
  });

  test('nothing of mine to revoke', async () => {
    const w = world();
    grantOf(w, U.eng2, 'dddddddddd');
    expect((await say(w, U.eng, 'revoke all')).texts).toEqual(['There were no active grants of yours to revoke.']);
    expect(w.hub.revoked).toEqual([]);
  });

  test("a non-approver cannot revoke a person's grants", async () => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    expect((await say(w, U.eng2, `revoke <@${U.eng}>`)).texts).toEqual(["Only approvers and Karpor administrators can revoke other people's grants."]);
    expect(w.hub.revoked).toEqual([]);
    expect(w.hub.callsOf('grants')).toEqual([]);
  });

  test("an approver revokes a person's grants and the person is told", async () => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    grantOf(w, U.eng, 'bbbbbbbbbb');
    expect((await say(w, U.appr1, `revoke <@${U.eng}|eng>`)).texts[0]).toMatch(new RegExp(`^Revoked 2 of <@${U.eng}>'s grants; their tokens `));
    expect(w.notifier.told).toEqual([{ userId: U.eng, text: `<@${U.appr1}> revoked your Karpor grants (2).` }]);
  });

  test('an approver revoking a person with no grants tells nobody', async () => {
    const w = world();
    expect((await say(w, U.admin, `revoke <@${U.eng}>`)).texts).toEqual([`There were no active grants of <@${U.eng}>'s to revoke.`]);
    expect(w.notifier.told).toEqual([]);
  });

  test('the Revoke button follows the same rules', async () => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    expect(word((await w.service.revokeGrant(U.eng2, 'aaaaaaaaaa')).message)).toContain('There is no grant `aaaaaaaaaa` of yours.');
    expect(word((await w.service.revokeGrant(U.eng, 'aaaaaaaaaa')).message)).toMatch(revokedOne('aaaaaaaaaa'));
    expect(w.hub.revoked).toEqual(['aaaaaaaaaa']);
  });
});

describe('showAgain', () => {
  test('the owner gets a fresh token for the same grant', async () => {
    const w = world({ dashboardUrl: 'https://karpor.example.com' });
    const g = grantOf(w, U.eng, 'aaaaaaaaaa', { serviceAccount: 'karpor-guest', namespace: 'karpor' });
    expect(word(await w.service.showAgain(U.eng, 'aaaaaaaaaa'))).toBe('A fresh token for that grant is in your DM.');
    expect(w.hub.callsOf('reissue')).toEqual([{ method: 'reissue', args: ['aaaaaaaaaa', { namespace: 'karpor', serviceAccount: 'karpor-guest', clusterRole: 'karpor-guest' }] }]);
    expect(w.notifier.deliveries).toEqual([{ grant: g, token: 'fake-token-1', tokenExpiresAt: g.expiresAt, dashboardUrl: 'https://karpor.example.com' }]);
    expect(w.audits).toEqual([{ event: 'grant.shown-again', grant: 'aaaaaaaaaa', user: U.eng, role: 'guest' }]);
  });

  test.each<[string, string, string]>([
    ['someone else', U.eng2, 'aaaaaaaaaa'],
    ['an approver', U.appr1, 'aaaaaaaaaa'],
    ['a revoker', U.admin, 'aaaaaaaaaa'],
    ['a grant that is gone', U.eng, 'zzzzzzzzzz'],
  ])('%s gets nothing', async (_who, userId, id) => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    expect(word(await w.service.showAgain(userId, id))).toBe('That grant does not exist any more, or it is not yours.');
    expect(w.hub.callsOf('reissue')).toEqual([]);
    expect(w.hub.revoked).toEqual([]);
    expect(w.notifier.deliveries).toEqual([]);
  });

  test('a fresh token the hub refuses is not shown, and the grant is removed', async () => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    w.hub.proof = { accepted: false, status: 401 };
    await expect(w.service.showAgain(U.eng, 'aaaaaaaaaa')).rejects.toThrow(/answered 401/);
    expect(w.notifier.deliveries).toEqual([]);
    expect(w.hub.revoked).toEqual(['aaaaaaaaaa']);
    expect(w.audits).toEqual([{ event: 'grant.refused-by-hub', grant: 'aaaaaaaaaa', user: U.eng, role: 'guest', status: 401 }]);
  });

  test('an expired grant', async () => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa', { expiresAt: w.clock.now() });
    expect(word(await w.service.showAgain(U.eng, 'aaaaaaaaaa'))).toBe('That grant has expired. Ask for a new token with `/karpor-token`.');
    expect(w.hub.callsOf('reissue')).toEqual([]);
  });

  test.each<[string, (w: World) => void]>([
    ['the person left the group', (w) => void (w.directory.groupsOf[U.eng] = [])],
    ['the role left the policy', (w) => void w.policy.roles.splice(0, 1)],
    ['the role is now for others', (w) => void (w.policy.roles[0]!.allowed = { groups: ['platform'], users: [] })],
  ])('%s: the grant is revoked instead', async (_what, change) => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    change(w);
    expect(word(await w.service.showAgain(U.eng, 'aaaaaaaaaa'))).toBe('You may no longer have `guest`, so I revoked that grant.');
    expect(w.hub.revoked).toEqual(['aaaaaaaaaa']);
    expect(w.hub.callsOf('reissue')).toEqual([]);
    expect(w.notifier.deliveries).toEqual([]);
    expect(w.audits).toEqual([{ event: 'grant.revoked', grant: 'aaaaaaaaaa', user: U.eng, role: 'guest', by: 'policy' }]);
  });
});

describe('issue', () => {
  test('metadata from an approval is passed to the hub and the audit', async () => {
    const w = world();
    const p: Person = person(U.plat, 'platform');
    const grant = await w.service.issue(p, w.policy.roles[1]!, 1800, { approvedBy: [U.appr1, U.appr2], reason: 'INC-1', requestId: 'req0000001' });
    expect(grant).toMatchObject({ userId: U.plat, role: 'admin', approvedBy: [U.appr1, U.appr2], reason: 'INC-1', requestId: 'req0000001' });
    expect(grant.expiresAt).toEqual(new Date(w.clock.now().getTime() + 1800_000));
    expect(w.audits).toEqual([expect.objectContaining({ event: 'grant.issued', approvedBy: `${U.appr1},${U.appr2}`, request: 'req0000001', reason: 'INC-1' })]);
  });
});

describe('expiry reminders and Extend', () => {
  test('reminds once per grant, only inside the window, only live grants', async () => {
    const w = world();
    const now = w.clock.now().getTime();
    grantOf(w, U.eng, 'aaaaaaaaaa', { expiresAt: new Date(now + 5 * MIN) });
    grantOf(w, U.eng, 'bbbbbbbbbb', { expiresAt: new Date(now + 15 * MIN) });
    grantOf(w, U.eng, 'cccccccccc', { expiresAt: new Date(now - MIN) });
    grantOf(w, U.eng2, 'dddddddddd', { expiresAt: new Date(now + 10 * MIN) });
    expect(await w.service.remindExpiring(10 * MIN)).toBe(2);
    expect(w.notifier.reminded.map((g) => g.id).sort()).toEqual(['aaaaaaaaaa', 'dddddddddd']);
    expect(await w.service.remindExpiring(10 * MIN)).toBe(0);
    expect(await Promise.all([w.service.remindExpiring(HOUR), w.service.remindExpiring(HOUR)])).toEqual(expect.arrayContaining([1, 0]));
    expect(w.notifier.reminded.map((g) => g.id).sort()).toEqual(['aaaaaaaaaa', 'bbbbbbbbbb', 'dddddddddd']);
  });

  test('Extend asks for the same role again through the policy, for the owner only', async () => {
    const w = world();
    grantOf(w, U.eng, 'aaaaaaaaaa');
    const other = new Replies();
    await w.service.extend(U.eng2, 'aaaaaaaaaa', other.reply);
    expect(other.texts).toEqual(['That grant does not exist any more, or it is not yours. Ask with `/karpor-token <role>`.']);
    expect(w.hub.callsOf('issue')).toEqual([]);

    const mine = new Replies();
    await w.service.extend(U.eng, 'aaaaaaaaaa', mine.reply);
    expect(mine.texts).toEqual(['Your `guest` token is in your DM with me. It expires <!date^1893502800^{date_short_pretty} {time}|2030-01-01 13:00 UTC> (in 1h).']);
    expect(w.hub.callsOf('issue')).toHaveLength(1);

    w.directory.groupsOf[U.eng] = [];
    const lost = new Replies();
    await w.service.extend(U.eng, 'aaaaaaaaaa', lost.reply);
    expect(lost.lastText()).toContain('You are not in a group that may request `guest`.');
    expect(w.hub.callsOf('issue')).toHaveLength(1);
  });
});

describe('doctor (and its alias selftest)', () => {
  const findings: Finding[] = [
    { check: 'rbac', status: 'ok', state: 'on' },
    { check: 'anonymous-reads', status: 'fail', state: 'open', openPaths: ['/rest-api/v1/clusters'] },
  ];
  const checkUp = () => {
    const runs: number[] = [];
    return { runs, run: async () => (runs.push(1), findings) };
  };

  test.each<[string, string, string]>([
    ['an approver', U.appr1, 'doctor'],
    ['a revoker', U.admin, 'doctor'],
    ['a revoker, as selftest', U.admin, 'selftest'],
  ])('%s gets the findings in one answer', async (_who, userId, word_) => {
    const c = checkUp();
    const w = world({ checkUp: c.run });
    const r = new Replies();
    const outcome = await w.service.command(userId, word_, r.reply);
    expect(outcome).toEqual({ kind: 'done', result: 'doctor' });
    expect(c.runs).toHaveLength(1);
    expect(r.all).toEqual([{ kind: 'doctor', findings, now: w.clock.now() }]);
    // Membership was asked of Slack at the moment of the command, not taken from a cache.
    expect(w.directory.liveLookups).toBe(1);
    expect(w.audits).toEqual([{ event: 'doctor.run', user: userId }]);
  });

  test.each<[string, string]>([
    ['an engineer', U.eng],
    ['someone in no group', U.outsider],
  ])('%s is refused, and nothing is checked', async (_who, userId) => {
    const c = checkUp();
    const w = world({ checkUp: c.run });
    const { texts, outcome } = await say(w, userId, 'doctor');
    expect(outcome).toEqual({ kind: 'done', result: 'refused' });
    expect(texts).toEqual(['Only approvers and the people who may revoke grants can run the check-up (`/karpor-token doctor` or `selftest`).']);
    expect(c.runs).toHaveLength(0);
    expect(w.audits).toEqual([{ event: 'doctor.refused', user: userId }]);
  });

  test('when membership cannot be known, nobody gets the check-up', async () => {
    const c = checkUp();
    const w = world({ checkUp: c.run });
    w.directory.unavailable = true;
    const { texts } = await say(w, U.admin, 'doctor');
    expect(texts[0]).toMatch(/^I cannot check your Slack user groups right now/);
    expect(c.runs).toHaveLength(0);
  });

  test('doctor takes nothing after it', async () => {
    const w = world({ checkUp: checkUp().run });
    expect((await say(w, U.admin, 'doctor now')).texts[0]).toMatch(/^`doctor` takes nothing after it\./);
  });
});
