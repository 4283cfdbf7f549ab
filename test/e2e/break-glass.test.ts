// Break-glass on the real hub: the role at once with a reason, cards with Confirm to the approvals
// channel and every approver, revoked by housekeeping (any replica: the deadline is on the grant
// Secret) unless an approver other than the owner confirms it in time.
import { hubRequest, loginAfterRevocation, uniqueName } from '../support/hub';
import { answerAt, buttonValue, click, grantSecrets, movableClock, PEOPLE, startTestBot, testPolicy, tokenIn, type TestBot } from '../support/bot';

const APPROVALS = 'C0APPROVALS';
const prefix = uniqueName('bg').slice(0, 12);
const policy = testPolicy(prefix, {
  approvalsChannel: APPROVALS,
  roles: {
    guest: { clusterRole: 'karpor-guest', groups: ['engineers'], defaultDuration: '1h', maxDuration: '8h' },
    admin: {
      clusterRole: 'karpor-admin',
      groups: ['platform'],
      defaultDuration: '1h',
      maxDuration: '4h',
      approval: { groups: ['karpor-approvers'], timeout: '30m' },
      breakGlass: { groups: ['engineers'] },
    },
  },
});
let t: TestBot;
const issued: string[] = [];

beforeAll(async () => {
  t = await startTestBot({ prefix, policy });
});
afterAll(async () => {
  const logs = t.logs.join('\n');
  for (const token of issued) expect(logs).not.toContain(token);
  const posted = t.slack.messages.filter((m) => m.method !== 'chat.postEphemeral').map((m) => JSON.stringify(m)).join('\n');
  for (const token of issued) expect(posted).not.toContain(token);
  await t.stop();
});

const MIN = 60_000;
const audited = (event: string, bot = t) => bot.logs.map((l) => JSON.parse(l)).filter((l) => l.audit && l.event === event);

/**
 * A replica of the bot with a clock of its own, to jump past deadlines. (The hub's tokens run on
 * real time, and a grant ends when its token does, so each jump needs a clock nobody moved yet.)
 */
async function replicaWithClock(clock = movableClock()): Promise<TestBot & { clock: ReturnType<typeof movableClock> }> {
  return Object.assign(await startTestBot({ clock, prefix, policy, namespace: t.namespace, slack: t.slack }), { clock });
}

/** Breaks the glass; returns the answer, the token and the grant id from the approvers' card. */
async function breakGlass(userId: string, text: string, bot = t) {
  const seen = t.slack.messages.length;
  const sent = await bot.command(userId, text);
  const answer = await answerAt(bot, sent.responseUrl.split('/').pop()!);
  const dm = await t.slack.waitFor(() => t.slack.messages.slice(seen).find((m) => m.method === 'chat.postEphemeral' && m.user === userId && tokenIn(m)), 15_000);
  const card = await t.slack.waitFor(() => t.slack.messages.slice(seen).find((m) => m.channel === APPROVALS && buttonValue(m, 'break_glass_confirm')), 15_000);
  const token = tokenIn(dm)!;
  issued.push(token);
  return { answer, token, grantId: buttonValue(card, 'break_glass_confirm')!, card, seen };
}

/** The grant's Secret, wherever its role namespace is; undefined once it is gone. */
const grantSecret = async (id: string) => (await grantSecrets(t.namespace)).find((s) => s.metadata?.name === `karpor-grant-${id}`);

test('refused without a reason, beyond its short maximum, for a role without it, and for people not named', async () => {
  const ask = async (userId: string, text: string) => answerAt(t, (await t.command(userId, text)).responseUrl.split('/').pop()!);
  expect(await ask(PEOPLE.engineer, 'admin --break-glass')).toMatch(/needs a reason/);
  expect(await ask(PEOPLE.engineer, 'admin 45m --break-glass -- db down')).toMatch(/at most 30m; you asked for 45m/);
  expect(await ask(PEOPLE.engineer, 'guest --break-glass -- db down')).toMatch(/`guest` has no break-glass/);
  expect(await ask(PEOPLE.outsider, 'admin --break-glass -- db down')).toMatch(/not one of the people who may use break-glass/);
  expect(t.slack.messages.filter((m) => m.method === 'chat.postEphemeral' && tokenIn(m))).toHaveLength(0);
});

test('issued at once for its short maximum: the token works, every approver and the approvals channel get a card with Confirm', async () => {
  const { answer, token, grantId, card, seen } = await breakGlass(PEOPLE.engineer, 'admin --break-glass -- prod db &lt;down&gt;');
  expect(answer).toMatch(/Break-glass: your `admin` token is in your DM/);
  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
  expect(JSON.stringify(card.blocks)).toContain('prod db &lt;down&gt;');
  for (const approver of [PEOPLE.approver, PEOPLE.approver2]) {
    expect(t.slack.messages.slice(seen).some((m) => m.channel === `D${approver}` && buttonValue(m, 'break_glass_confirm') === grantId)).toBe(true);
  }
  const secret = await grantSecret(grantId);
  const a = secret!.metadata!.annotations!;
  expect(new Date(a['karpor.io/expires-at']!).getTime() - new Date(a['karpor.io/granted-at']!).getTime()).toBe(30 * MIN);
  expect(new Date(a['karpor.io/break-glass-confirm-by']!).getTime() - new Date(a['karpor.io/granted-at']!).getTime()).toBeGreaterThan(14 * MIN);
  expect(audited('grant.break-glass').map((e) => e.grant)).toContain(grantId);
  expect(audited('grant.issued').map((e) => e.grant)).not.toContain(grantId);
});

test('confirmed by an approver (not its owner), it outlives the confirmation window; a second Confirm says who was first', async () => {
  const b = await replicaWithClock();
  try {
    const { token, grantId } = await breakGlass(PEOPLE.engineer, 'admin 20m --break-glass -- incident 4711', b);
    expect(await click(b, PEOPLE.engineer, 'break_glass_confirm', grantId)).toMatch(/cannot confirm your own/);
    expect(await click(b, PEOPLE.platformAdmin, 'break_glass_confirm', grantId)).toMatch(/Only the approvers of `admin`/);
    expect(await click(b, PEOPLE.approver, 'break_glass_confirm', grantId, 'confirm-card')).toMatch(/Confirmed: <@U0ENGINEER> keeps `admin`/);
    const redrawn = await t.slack.waitFor(() => t.slack.responses.find((r) => r.id === 'confirm-card' && r.body.replace_original), 15_000);
    expect(JSON.stringify(redrawn.body.blocks)).not.toContain('break_glass_confirm');
    expect(await click(b, PEOPLE.approver2, 'break_glass_confirm', grantId)).toMatch(/<@U0APPROVER> confirmed it already/);
    expect((await grantSecret(grantId))?.metadata?.annotations?.['karpor.io/break-glass-confirmed-by']).toBe(PEOPLE.approver);
    expect(audited('break-glass.confirmed', b)).toEqual([expect.objectContaining({ grant: grantId, by: PEOPLE.approver, user: PEOPLE.engineer })]);
    await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.engineer}` && /<@U0APPROVER> confirmed your break-glass/.test(m.text ?? '')), 15_000);

    b.clock.advance(16 * MIN);
    await b.bot.housekeeping.run();
    expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
    expect((await grantSecret(grantId))?.metadata?.name).toBe(`karpor-grant-${grantId}`);
    expect(audited('break-glass.revoked-unconfirmed', b).map((e) => e.grant)).not.toContain(grantId);
  } finally {
    await b.stop();
  }
});

test('unconfirmed past its deadline, another replica\'s housekeeping revokes it: the token gets 401, the owner is told, a late Confirm changes nothing', async () => {
  const first = await replicaWithClock();
  const { token, grantId } = await breakGlass(PEOPLE.platformAdmin, 'admin 20m --break-glass -- cluster unreachable', first);
  await first.stop();
  // (Not presented before the revocation: the hub remembers a good token for 10 s.)
  first.clock.advance(14 * MIN);
  const replica = await replicaWithClock(first.clock);
  try {
    await replica.bot.housekeeping.run();
    expect((await grantSecret(grantId))?.metadata?.name).toBe(`karpor-grant-${grantId}`);
    first.clock.advance(2 * MIN);
    await replica.bot.housekeeping.run();
    expect(await loginAfterRevocation(token)).toBe(401);
    expect(audited('break-glass.revoked-unconfirmed', replica).map((e) => e.grant)).toEqual([grantId]);
    await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.platformAdmin}` && /Nobody confirmed your break-glass/.test(m.text ?? '')), 15_000);
    expect(await click(replica, PEOPLE.approver, 'break_glass_confirm', grantId)).toMatch(/ended or is being revoked/);
  } finally {
    await replica.stop();
  }
});
