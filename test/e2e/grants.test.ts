// Grants on the real hub: status, show again, revoke (own and others'), per-user identities,
// expiry reminders and the clean-up of ended grants.
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, hubRequest } from '../support/hub';
import { buttonValue, click, grantSecrets, movableClock, PEOPLE, say, startTestBot, testPolicy, tokenIn, type TestBot } from '../support/bot';

const clock = movableClock();
let t: TestBot;
const issued: string[] = [];

beforeAll(async () => {
  t = await startTestBot({ clock });
});
afterAll(async () => {
  const logs = t.logs.join('\n');
  for (const token of issued) expect(logs).not.toContain(token);
  await t.stop();
});
beforeEach(() => t.slack.reset());

/** Gets a token through the command; returns it with the grant id from its card. */
async function grantFor(bot: TestBot, userId: string, text = 'guest 1h'): Promise<{ token: string; grantId: string }> {
  const seen = bot.slack.messages.length;
  await bot.command(userId, text);
  const dm = await bot.slack.waitFor(() => bot.slack.messages.slice(seen).find((m) => m.method === 'chat.postEphemeral' && m.user === userId && tokenIn(m)), 15_000);
  const card = await bot.slack.waitFor(() => bot.slack.messages.slice(seen).find((m) => m.channel === `D${userId}` && buttonValue(m, 'grant_show_again')), 15_000);
  const token = tokenIn(dm)!;
  issued.push(token);
  expect(JSON.stringify(card)).not.toContain(token);
  return { token, grantId: buttonValue(card, 'grant_show_again')! };
}

/**
 * Polls until the hub refuses the token; returns how long that took. A kube-apiserver remembers a
 * successful token check for 10 s (not configurable), so a token used just before revocation may
 * pass for up to that long; one not presented in that window is refused at once.
 */
async function refusedWithin(token: string, limitMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if ((await hubRequest(token, 'GET', '/rest-api/v1/authn')) === 401) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`token still accepted after ${limitMs} ms`);
}


test('"Revoke now" makes the token fail on the hub (within the 10 s it trusts a token the bot just proved); the grant object holds no token', async () => {
  const { token, grantId } = await grantFor(t, PEOPLE.engineer);
  const secret = (await grantSecrets(t.namespace)).find((s) => s.metadata?.name === `karpor-grant-${grantId}`)!;
  expect(secret.type).toBe('karpor.io/grant');
  expect(secret.data ?? {}).toEqual({});
  expect(JSON.stringify(secret)).not.toContain(token);
  expect(secret.metadata?.labels).toMatchObject({ 'karpor.io/user': PEOPLE.engineer, 'karpor.io/role': 'guest', 'app.kubernetes.io/managed-by': 'karpor-token-bot' });

  expect(await click(t, PEOPLE.engineer, 'grant_revoke', grantId, 'revoke-card')).toMatch(/Revoked grant/);
  expect(await refusedWithin(token, 12_000)).toBeLessThan(12_000);
  // The card itself is replaced by one without buttons.
  const card = await t.slack.waitFor(() => t.slack.responses.find((r) => r.id === 'revoke-card' && r.body.replace_original === true), 15_000);
  expect(card.body.text).toMatch(new RegExp(`grant \`${grantId}\` \\(guest\\) was revoked`));
  expect(JSON.stringify(card.body.blocks)).not.toContain('grant_show_again');
});

test('a token in use when revoked is refused once the hub\'s 10 s authentication cache lapses', async () => {
  const { token, grantId } = await grantFor(t, PEOPLE.engineer);
  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
  expect(await click(t, PEOPLE.engineer, 'grant_revoke', grantId)).toMatch(/Revoked grant/);
  expect(await refusedWithin(token, 12_000)).toBeLessThan(12_000);
}, 30_000);

test('"Show token again" mints a different working token that ends no later than the grant', async () => {
  const { token, grantId } = await grantFor(t, PEOPLE.engineer, 'guest 30m');
  t.slack.reset();
  expect(await click(t, PEOPLE.engineer, 'grant_show_again', grantId)).toMatch(/fresh token/);
  const again = tokenIn(await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postEphemeral' && tokenIn(m)), 15_000))!;
  issued.push(again);
  expect(again).not.toBe(token);
  expect(await hubRequest(again, 'GET', '/rest-api/v1/authn')).toBe(200);
  const grant = (await grantSecrets(t.namespace)).find((s) => s.metadata?.name === `karpor-grant-${grantId}`)!;
  const grantEnds = Date.parse(grant.metadata!.annotations!['karpor.io/expires-at']!);
  const exp = JSON.parse(Buffer.from(again.split('.')[1]!, 'base64url').toString()).exp * 1000;
  expect(exp).toBeLessThanOrEqual(grantEnds + 1000);
  // Someone else cannot have it shown to them.
  expect(await click(t, PEOPLE.platformAdmin, 'grant_show_again', grantId)).toMatch(/not yours/);
});

test('status lists exactly my live grants', async () => {
  await say(t, PEOPLE.platformAdmin, 'revoke all');
  const one = await grantFor(t, PEOPLE.platformAdmin);
  const two = await grantFor(t, PEOPLE.platformAdmin, 'guest 2h');
  const other = await grantFor(t, PEOPLE.engineer);
  const status = await say(t, PEOPLE.platformAdmin, 'status');
  expect(status).toContain(one.grantId);
  expect(status).toContain(two.grantId);
  expect(status).not.toContain(other.grantId);
  expect(status.match(/^• /gm)).toHaveLength(2);
  await say(t, PEOPLE.platformAdmin, `revoke ${one.grantId}`);
  const after = await say(t, PEOPLE.platformAdmin, 'status');
  expect(after).not.toContain(one.grantId);
  expect(after).toContain(two.grantId);
});

test("someone else's grant cannot be revoked by a non-approver; an approver can, and the person is told", async () => {
  const victim = await grantFor(t, PEOPLE.platformAdmin);
  expect(await say(t, PEOPLE.engineer, `revoke ${victim.grantId}`)).toMatch(/no grant `.*` of yours/);
  expect(await say(t, PEOPLE.engineer, `revoke <@${PEOPLE.platformAdmin}|pa>`)).toMatch(/Only approvers/);
  expect(await click(t, PEOPLE.engineer, 'grant_revoke', victim.grantId)).toMatch(/no grant/);
  expect(await hubRequest(victim.token, 'GET', '/rest-api/v1/authn')).toBe(200);

  expect(await say(t, PEOPLE.approver, `revoke <@${PEOPLE.platformAdmin}|pa>`)).toMatch(/Revoked \d+ of <@U0PLATFORM>'s grants/);
  await refusedWithin(victim.token, 12_000);
  await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.platformAdmin}` && /revoked your Karpor grants/.test(m.text ?? '')), 15_000);
});

test('a reminder goes out once before the end; "Extend" asks again through the policy; ended grants are removed', async () => {
  const { grantId } = await grantFor(t, PEOPLE.engineer, 'guest 20m');
  clock.advance(10 * 60_000);
  try {
    await t.bot.housekeeping.run();
    await t.bot.housekeeping.run();
    const reminders = t.slack.messages.filter((m) => m.channel === `D${PEOPLE.engineer}` && buttonValue(m, 'grant_extend') === grantId);
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.text).toMatch(/ends <!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>\.$/);
    t.slack.reset();
    expect(await click(t, PEOPLE.engineer, 'grant_extend', grantId)).toMatch(/token is in your DM/);
    issued.push(tokenIn(t.slack.messages.find((m) => tokenIn(m))!)!);
    clock.advance(11 * 60_000);
    await t.bot.housekeeping.run();
    expect((await grantSecrets(t.namespace)).some((s) => s.metadata?.name === `karpor-grant-${grantId}`)).toBe(false);
  } finally {
    clock.advance(-21 * 60_000);
  }
});

test('per-user mode: one ServiceAccount per person in the role\'s namespace, no binding of its own; revoking one leaves the other', async () => {
  const perUser = await startTestBot({ namespace: t.namespace, clock, policy: testPolicy(`${t.prefix}-p`, { identity: { mode: 'per-user', prefix: `${t.prefix}-p` } }) });
  try {
    const a = await grantFor(perUser, PEOPLE.engineer);
    const b = await grantFor(perUser, PEOPLE.platformAdmin);
    const rbac = adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
    const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
    const namespace = `${t.prefix}-p-guests`;
    for (const user of [PEOPLE.engineer, PEOPLE.platformAdmin]) {
      const name = `${t.prefix}-p-guest-${user.toLowerCase()}`;
      const sa = await core.readNamespacedServiceAccount({ namespace, name });
      expect(sa.metadata?.labels?.['karpor.io/user']).toBe(user);
      await expect(rbac.readClusterRoleBinding({ name })).rejects.toMatchObject({ code: 404 });
    }
    // The role comes from the one binding of the namespace's group, however many people there are.
    const crb = await rbac.readClusterRoleBinding({ name: namespace });
    expect(crb.roleRef.name).toBe('karpor-guest');
    expect(crb.subjects).toEqual([{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `system:serviceaccounts:${namespace}` }]);
    await say(perUser, PEOPLE.engineer, 'revoke all');
    await refusedWithin(a.token, 12_000);
    expect(await hubRequest(b.token, 'GET', '/rest-api/v1/authn')).toBe(200);
  } finally {
    await perUser.stop();
  }
});
