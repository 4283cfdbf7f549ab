// Slack faults from the fake Web API: rate limits, server errors, a DM that cannot be opened, and
// user groups that cannot be read. The bot retries what can be retried, never leaves a token
// nobody received, and tells the person what happened.
import { hubRequest, loginAfterRevocation } from '../support/hub';
import { startFakeSlack } from '../fakes/slack-api';
import { BOT_TOKEN, PEOPLE, startTestBot, tokenIn, type TestBot, type TestBotOptions } from '../support/bot';
import { blockActionPayload } from '../support/slack-requests';
import { answerTo, deliveredTokens, expectNoTokenLeaks, get, grantSecrets, say, wait } from './helpers';

const RETRIES = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 };
const bots: TestBot[] = [];

afterAll(async () => {
  for (const bot of bots) await expectNoTokenLeaks(bot);
  for (const bot of bots) await bot.stop();
});

async function bot(opts: TestBotOptions = {}): Promise<TestBot> {
  const b = await startTestBot({ slackRetries: RETRIES, ...opts });
  bots.push(b);
  return b;
}

/** Tokens that were sent to Slack but never arrived (the call failed). */
const undeliveredTokens = (b: TestBot) => b.slack.calls.filter((c) => c.method === 'chat.postEphemeral' && c.status !== 200).map((c) => tokenIn(c.args)).filter((t): t is string => !!t);

describe('rate limits (429 with Retry-After)', () => {
  test.each(['chat.postEphemeral', 'conversations.open'])('on %s: the bot waits as told, retries, and the token arrives once', async (method) => {
    const b = await bot();
    b.slack.fault(method, { status: 429, retryAfter: 1, times: 1 });
    const sent = await b.command(PEOPLE.engineer, 'guest');
    expect(sent.ms).toBeLessThan(1_000);
    expect(await answerTo(b, sent.responseUrl)).toMatch(/token is in your DM/);
    const calls = b.slack.callsTo(method);
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(deliveredTokens(b)).toHaveLength(1);
    expect(await grantSecrets(b.namespace)).toHaveLength(1);
  });

  test('more 429s than retries: the token is revoked and the person is told', async () => {
    const b = await bot({ slackRetries: { retries: 1, minTimeout: 10, maxTimeout: 20 } });
    b.slack.fault('chat.postEphemeral', { status: 429, retryAfter: 1, times: 2 });
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/I could not put the token in your DM with me, so I revoked it again\..*\(ref [a-z0-9]+\)/);
    expect(deliveredTokens(b)).toEqual([]);
    expect(await grantSecrets(b.namespace)).toEqual([]);
  });
});

describe('server errors (5xx)', () => {
  test('one 503 on the token DM is retried and the token arrives', async () => {
    const b = await bot();
    b.slack.fault('chat.postEphemeral', { status: 503, times: 1 });
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
    expect(b.slack.callsTo('chat.postEphemeral').map((c) => c.status)).toEqual([503, 200]);
    expect(deliveredTokens(b)).toHaveLength(1);
  });

  test('a token DM that keeps failing: the token is revoked on the hub, the grant removed, the person told', async () => {
    const b = await bot();
    b.slack.fault('chat.postEphemeral', { status: 500 });
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/I could not put the token in your DM with me, so I revoked it again/);
    expect(b.slack.callsTo('chat.postEphemeral')).toHaveLength(1 + RETRIES.retries);
    expect(deliveredTokens(b)).toEqual([]);
    expect(await grantSecrets(b.namespace)).toEqual([]);
    // The token that never arrived does not work.
    const lost = [...new Set(undeliveredTokens(b))];
    expect(lost).toHaveLength(1);
    expect(await loginAfterRevocation(lost[0]!)).toBe(401);
    expect(b.logs.some((l) => /grant\.undelivered/.test(l))).toBe(true);
  });

  test('the grant card failing after the token arrived does not take the token away', async () => {
    const b = await bot();
    b.slack.fault('chat.postMessage', { status: 500 });
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
    const [token] = deliveredTokens(b);
    expect(await hubRequest(token!, 'GET', '/rest-api/v1/authn')).toBe(200);
    expect(await grantSecrets(b.namespace)).toHaveLength(1);
  });

  test('the answer in the channel failing (response_url 500): the person is told in the DM instead', async () => {
    const b = await bot();
    b.slack.fault('response_url', { status: 500 });
    const sent = await b.command(PEOPLE.engineer, 'guest 99h');
    expect(sent.status).toBe(200);
    const dm = await b.slack.waitFor(() => b.slack.messages.find((m) => m.method === 'chat.postMessage' && m.channel === `D${PEOPLE.engineer}`), 10_000);
    expect(dm.text).toMatch(/at most 8h/);
  });
});

describe('a DM that cannot be opened', () => {
  test.each(['cannot_dm_bot', 'user_disabled', 'missing_scope'])('conversations.open answers %s: nothing issued, the person is told', async (error) => {
    const b = await bot();
    b.slack.fault('conversations.open', { error });
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/I could not open a DM with you, so nothing was issued\. Make sure you can message the Karpor token app, then try again\. \(ref [a-z0-9]+\)/);
    expect(b.slack.callsTo('chat.postEphemeral')).toEqual([]);
    expect(await grantSecrets(b.namespace)).toEqual([]);
    expect(b.logs.some((l) => l.includes(`conversations.open for ${PEOPLE.engineer} failed`) && l.includes(error))).toBe(true);

    b.slack.clearFaults();
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
  });
});

describe('user groups that cannot be read', () => {
  const STALE_MS = 1_500;
  const UNKNOWN = /I cannot check your Slack user groups right now, so I can give you nothing\. Try again in a few minutes\. \(ref [a-z0-9]+\)/;

  test('the last good membership is used for a bounded time, then the bot fails closed, then recovers', async () => {
    const b = await bot({ intervals: { directoryMs: 200, directoryStaleMs: STALE_MS } });
    b.slack.fault('usergroups.list', { status: 500 });
    const failingSince = Date.now();
    await b.slack.waitFor(() => b.slack.callsTo('usergroups.list').some((c) => c.status === 500), 2_000);
    // Still within the limit: the membership fetched at start answers.
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
    expect(Date.now() - failingSince).toBeLessThan(STALE_MS);

    await wait(STALE_MS + 300);
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(UNKNOWN);
    expect(await say(b, PEOPLE.engineer, 'status')).toMatch(UNKNOWN);
    expect(await say(b, PEOPLE.outsider, 'guest')).toMatch(UNKNOWN);
    expect(deliveredTokens(b)).toHaveLength(1);
    // Every replica shares Slack's answer: the pod stays ready, and the metrics say why people are refused.
    expect((await get(b.url.replace('/slack/events', '/readyz'))).status).toBe(200);
    expect((await get(b.url.replace('/slack/events', '/metrics'))).body).toMatch(/^karpor_token_bot_group_membership_fresh 0$/m);
    expect(b.logs.some((l) => /user-group refresh failed/.test(l))).toBe(true);

    b.slack.clearFaults();
    await b.slack.waitFor(() => b.slack.callsTo('usergroups.list').at(-1)?.status === 200, 2_000);
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
    expect(deliveredTokens(b)).toHaveLength(2);
  });

  test('approvals check membership live: an approval while groups cannot be read is refused', async () => {
    const b = await bot();
    await say(b, PEOPLE.platformAdmin, 'admin 1h -- incident');
    const card = await b.slack.waitFor(() => b.slack.messages.find((m) => m.channel === `D${PEOPLE.approver}` && JSON.stringify(m.blocks).includes('request_approve')));
    const requestId = JSON.stringify(card.blocks).match(/"request_approve".*?"value":"([a-z0-9]+)"/)![1]!;
    b.slack.fault('usergroups.list', { error: 'fatal_error' });
    const id = `approve-${Math.random()}`;
    await b.interact(blockActionPayload({ userId: PEOPLE.approver, actionId: 'request_approve', value: requestId, responseUrl: b.slack.responseUrl(id) }));
    expect(await answerTo(b, b.slack.responseUrl(id))).toMatch(UNKNOWN);
    expect(deliveredTokens(b)).toEqual([]);

    b.slack.clearFaults();
    const again = `approve-${Math.random()}`;
    await b.interact(blockActionPayload({ userId: PEOPLE.approver, actionId: 'request_approve', value: requestId, responseUrl: b.slack.responseUrl(again) }));
    expect(await answerTo(b, b.slack.responseUrl(again))).toMatch(/^Approved/);
    await b.slack.waitFor(() => deliveredTokens(b)[0], 15_000);
  });

  test('a free workspace (no user groups) stops the start with a clear message when the policy names groups', async () => {
    const slack = await startFakeSlack({ botToken: BOT_TOKEN, usergroupsPlanUpgradeRequired: true });
    try {
      await expect(startTestBot({ slack })).rejects.toThrow(/no user groups \(a paid-plan feature\).*by Slack user ID/);
    } finally {
      await slack.stop();
    }
  });
});
