// Hostile HTTP into the real Bolt receiver: unsigned, forged, stale, replayed, mistyped, huge and
// malformed requests are turned away without a single hub call, and the bot keeps serving.
import { hubServer } from '../support/hub';
import { startHubProxy, type HubProxy } from '../support/hub-proxy';
import { PEOPLE, SIGNING_SECRET, startTestBot, type TestBot } from '../support/bot';
import { blockActionPayload, interactionBody, postSigned, signRequest, slashCommandBody } from '../support/slack-requests';
import { answerTo, deliveredTokens, expectNoTokenLeaks, get, grantSecrets, rawPost, say, wait } from './helpers';

let proxy: HubProxy;
let t: TestBot;
let hubCalls: number;

beforeAll(async () => {
  proxy = await startHubProxy(hubServer());
  t = await startTestBot({ hubServer: proxy.server });
  // Let the start-up work (housekeeping, the RBAC check) reach the hub first.
  await say(t, PEOPLE.engineer, 'help');
  await wait(300);
});
afterAll(async () => {
  await expectNoTokenLeaks(t);
  await t.stop();
  await proxy.stop();
});
beforeEach(() => {
  t.slack.reset();
  hubCalls = proxy.seen.length;
});

/** Nothing reached the hub or Slack, and the bot still answers a good command with a token. */
async function nothingHappenedAndStillServing(): Promise<void> {
  await wait(300);
  expect(proxy.seen.slice(hubCalls)).toEqual([]);
  expect(t.slack.responses).toEqual([]);
  expect(t.slack.messages).toEqual([]);
  expect((await get(t.url.replace('/slack/events', '/healthz'))).status).toBe(200);
  expect(await say(t, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
}

const commandBody = (id = `c-${Math.random()}`) => slashCommandBody({ userId: PEOPLE.engineer, text: 'guest', responseUrl: t.slack.responseUrl(id) });

test.each([
  ['no signature headers at all', (body: string) => ({ 'content-type': 'application/x-www-form-urlencoded' })],
  ['a timestamp but no signature', (body: string) => { const h = signRequest(SIGNING_SECRET, body); delete (h as Record<string, string>)['x-slack-signature']; return h; }],
  ['a signature but no timestamp', (body: string) => { const h = signRequest(SIGNING_SECRET, body); delete (h as Record<string, string>)['x-slack-request-timestamp']; return h; }],
  ['a signature made with another secret', (body: string) => signRequest('not-the-secret', body)],
  ['a signature of another body', (body: string) => signRequest(SIGNING_SECRET, `${body}&x=1`)],
  ['an unknown signature version', (body: string) => ({ ...signRequest(SIGNING_SECRET, body), 'x-slack-signature': signRequest(SIGNING_SECRET, body)['x-slack-signature']!.replace('v0=', 'v1=') })],
  ['a timestamp that is not a number', (body: string) => ({ ...signRequest(SIGNING_SECRET, body), 'x-slack-request-timestamp': 'yesterday' })],
])('%s: 401, no hub call, still serving', async (_what, headersFor) => {
  const body = commandBody();
  const res = await rawPost(t.url, body, headersFor(body));
  expect(res.status).toBe(401);
  await nothingHappenedAndStillServing();
});

test('a correctly signed request older than 5 minutes is refused', async () => {
  const res = await postSigned(t.url, SIGNING_SECRET, commandBody(), { timestamp: Math.floor(Date.now() / 1000) - 301 });
  expect(res.status).toBe(401);
  await nothingHappenedAndStillServing();
});

test('a correctly signed request dated more than 5 minutes ahead is refused', async () => {
  const res = await postSigned(t.url, SIGNING_SECRET, commandBody(), { timestamp: Math.floor(Date.now() / 1000) + 301 });
  expect(res.status).toBe(401);
  await nothingHappenedAndStillServing();
});

test.each([
  ['text/plain', 400],
  ['application/x-www-form-urlencoded; charset=utf-8', 400],
  ['multipart/form-data; boundary=x', 400],
  ['application/json', 400],
])('a signed form body sent as %s is refused with %d', async (type, status) => {
  const res = await postSigned(t.url, SIGNING_SECRET, commandBody(), { headers: { 'content-type': type } });
  expect(res.status).toBe(status);
  await nothingHappenedAndStillServing();
});

test.each([
  ['not JSON', 'payload={not json'],
  ['truncated JSON', `payload=${encodeURIComponent('{"type":"block_actions","user":{"id":"U0ENGINEER"')}`],
])('a signed interaction whose payload is %s gets 400', async (_what, body) => {
  const res = await postSigned(t.url, SIGNING_SECRET, body);
  expect(res.status).toBe(400);
  await nothingHappenedAndStillServing();
});

test.each([
  ['null', 'null'],
  ['a number', '42'],
  ['a string', '"block_actions"'],
  ['an array', '[]'],
])('a signed interaction whose payload is %s gets 400 at once', async (_what, json) => {
  const res = await postSigned(t.url, SIGNING_SECRET, `payload=${encodeURIComponent(json)}`, { timeoutMs: 5_000 });
  expect(res.status).toBe(400);
  expect(res.ms).toBeLessThan(1_000);
  await nothingHappenedAndStillServing();
});

test.each([
  ['of no known type', { type: 'nonsense', user: { id: PEOPLE.engineer } }],
  ['of a known type but no user or actions', { type: 'block_actions' }],
  ['of a known type with the wrong shapes', { type: 'block_actions', user: 'U0ENGINEER', actions: 'grant_revoke', trigger_id: 5 }],
  ['a form submission without a view', { type: 'view_submission', user: { id: PEOPLE.engineer }, view: null }],
])('a signed interaction %s is answered within Bolt\'s 3 s and does nothing', async (_what, payload) => {
  const res = await postSigned(t.url, SIGNING_SECRET, interactionBody(payload), { timeoutMs: 5_000 });
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.ms).toBeLessThan(3_500);
  await nothingHappenedAndStillServing();
});

test.each([
  ['6 MB, unsigned', 6 * 1024 * 1024, false],
  ['6 MB, signed', 6 * 1024 * 1024, true],
  ['1.5 MB, signed', 1.5 * 1024 * 1024, true],
])('a body of %s is refused with 413 and does not stop the bot', async (_what, size, signed) => {
  const big = `${commandBody()}&filler=${'A'.repeat(size)}`;
  const res = signed ? await postSigned(t.url, SIGNING_SECRET, big) : await rawPost(t.url, big, { 'content-type': 'application/x-www-form-urlencoded' });
  expect(res.status).toBe(413);
  await t.slack.waitFor(() => t.logs.some((l) => /request body over \d+ bytes refused/.test(l)));
  await nothingHappenedAndStillServing();
});

test('a large body under the limit is read, then refused for its signature', async () => {
  const forged = await rawPost(t.url, `${commandBody()}&filler=${'A'.repeat(900 * 1024)}`, signRequest('not-the-secret', 'x'));
  expect(forged.status).toBe(401);
  await nothingHappenedAndStillServing();
});

test('50 oversized requests at once leave the bot serving', async () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 'A');
  const all = await Promise.all(Array.from({ length: 50 }, () => rawPost(t.url, big, { 'content-type': 'application/x-www-form-urlencoded' })));
  expect(all.every((r) => r.status === 413)).toBe(true);
  await nothingHappenedAndStillServing();
});

test('an exact replay of a signed slash command within 5 minutes is acknowledged but does nothing', async () => {
  const id = `replayed-${Math.random()}`;
  const body = slashCommandBody({ userId: PEOPLE.engineer, text: 'guest', responseUrl: t.slack.responseUrl(id) });
  const headers = signRequest(SIGNING_SECRET, body);
  const first = await rawPost(t.url, body, headers);
  expect(first.status).toBe(200);
  expect(await answerTo(t, t.slack.responseUrl(id))).toMatch(/token is in your DM/);
  const before = (await grantSecrets(t.namespace)).length;
  const seen = proxy.seen.length;
  for (let i = 0; i < 3; i++) expect((await rawPost(t.url, body, headers)).status).toBe(200);
  await wait(500);
  expect(t.slack.responses.filter((r) => r.id === id)).toHaveLength(1);
  expect(deliveredTokens(t)).toHaveLength(1);
  expect((await grantSecrets(t.namespace)).length).toBe(before);
  expect(proxy.seen.slice(seen)).toEqual([]);
  expect(t.logs.some((l) => /duplicate delivery/.test(l))).toBe(true);
});

test("Slack's retry of a slow ack (x-slack-retry-num, a fresh signature) does not do the work twice", async () => {
  const id = `retried-${Math.random()}`;
  const body = slashCommandBody({ userId: PEOPLE.engineer, text: 'guest', responseUrl: t.slack.responseUrl(id) });
  expect((await postSigned(t.url, SIGNING_SECRET, body)).status).toBe(200);
  await wait(1_000);
  const retry = await postSigned(t.url, SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000), headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
  expect(retry.status).toBe(200);
  expect(await answerTo(t, t.slack.responseUrl(id))).toMatch(/token is in your DM/);
  await wait(500);
  expect(t.slack.responses.filter((r) => r.id === id)).toHaveLength(1);
  expect(deliveredTokens(t)).toHaveLength(1);
});

test('a replayed button click is applied once', async () => {
  await say(t, PEOPLE.engineer, 'guest');
  const grantId = (await grantSecrets(t.namespace)).map((s) => s.metadata!.name!.replace('karpor-grant-', '')).pop()!;
  t.slack.reset();
  const id = `revoke-${Math.random()}`;
  const body = interactionBody(blockActionPayload({ userId: PEOPLE.engineer, actionId: 'grant_show_again', value: grantId, responseUrl: t.slack.responseUrl(id) }));
  const headers = signRequest(SIGNING_SECRET, body);
  await Promise.all([rawPost(t.url, body, headers), rawPost(t.url, body, headers), rawPost(t.url, body, headers)]).then((all) => all.forEach((r) => expect(r.status).toBe(200)));
  expect(await answerTo(t, t.slack.responseUrl(id))).toMatch(/fresh token/);
  await wait(500);
  expect(t.slack.responses.filter((r) => r.id === id)).toHaveLength(1);
  expect(deliveredTokens(t)).toHaveLength(1);
});

test('distinct commands with their own trigger ids are all served', async () => {
  const answers = await Promise.all([1, 2, 3].map(() => say(t, PEOPLE.engineer, 'status')));
  expect(answers.every((a) => /active Karpor grants/.test(a))).toBe(true);
});
