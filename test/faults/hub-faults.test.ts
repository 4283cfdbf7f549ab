// Hub faults injected for real: the bot reaches the test hub through a proxy that drops, delays,
// hangs or answers errors. The person always gets a specific answer, the ack is never late, and
// no half-made grant stays behind.
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, hubServer } from '../support/hub';
import { startHubProxy, type Fault, type HubProxy } from '../support/hub-proxy';
import { PEOPLE, startTestBot, type TestBot } from '../support/bot';
import { blockActionPayload } from '../support/slack-requests';
import { answerTo, deliveredTokens, expectNoTokenLeaks, get, grantSecrets, say, wait } from './helpers';

const UNAVAILABLE = /The Karpor hub is not answering right now; nothing was issued\. Try again in a minute\. \(ref [a-z0-9]+\)/;
const FORBIDDEN = /The bot is not allowed to do this on the Karpor hub; its access there needs fixing\. Please tell your Karpor administrators\. \(ref [a-z0-9]+\)/;

let proxy: HubProxy;
const bots: TestBot[] = [];

beforeAll(async () => {
  proxy = await startHubProxy(hubServer());
});
afterEach(() => {
  proxy.fault = undefined;
});
afterAll(async () => {
  for (const bot of bots) await expectNoTokenLeaks(bot);
  for (const bot of bots) await bot.stop();
  await proxy.stop();
});

async function bot(opts: Parameters<typeof startTestBot>[0] = {}): Promise<TestBot> {
  // A namespace each: grants are listed per namespace.
  const b = await startTestBot({ hubServer: proxy.server, ...opts });
  bots.push(b);
  return b;
}

const ready = async (b: TestBot) => {
  const res = await get(b.url.replace('/slack/events', '/readyz'));
  return { status: res.status, checks: JSON.parse(res.body) };
};

const ownGrants = (b: TestBot) => grantSecrets(b.namespace);

test('started while the hub is down: not ready, people are told, and it recovers by itself', async () => {
  proxy.fault = () => ({ drop: true });
  const b = await bot();
  expect(await ready(b)).toEqual({ status: 503, checks: { hub: false, slack: true, accepting: true } });
  expect(b.logs.some((l) => /housekeeping failed/.test(l))).toBe(true);
  const sent = await b.command(PEOPLE.engineer, 'guest');
  expect(sent.status).toBe(200);
  expect(await answerTo(b, sent.responseUrl)).toMatch(UNAVAILABLE);
  expect(await say(b, PEOPLE.engineer, 'status')).toMatch(UNAVAILABLE);
  expect(deliveredTokens(b)).toEqual([]);

  proxy.fault = undefined;
  expect((await ready(b)).status).toBe(200);
  expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
  expect(deliveredTokens(b)).toHaveLength(1);
});

describe('a fault at each step of issuing leaves nothing half-made, and the next request works', () => {
  const steps: Array<[string, (b: TestBot) => (method: string, path: string) => boolean]> = [
    ['creating the ServiceAccount', (b) => (m, path) => m === 'POST' && path === `/api/v1/namespaces/${b.prefix}-guests/serviceaccounts`],
    ['creating the grant', (b) => (m, path) => m === 'POST' && path === `/api/v1/namespaces/${b.prefix}-guests/secrets`],
    ['the TokenRequest', (b) => (m, path) => m === 'POST' && path === `/api/v1/namespaces/${b.prefix}-guests/serviceaccounts/${b.prefix}-guest/token`],
  ];
  const faults: Array<[string, Fault, RegExp]> = [
    ['500', { status: 500 }, UNAVAILABLE],
    ['a dropped connection', { drop: true }, UNAVAILABLE],
    ['429', { status: 429 }, UNAVAILABLE],
    ['403', { status: 403 }, FORBIDDEN],
  ];
  const cases = steps.flatMap(([step, match]) => faults.map(([name, fault, answer]) => [step, name, match, fault, answer] as const));

  test.each(cases)('%s fails with %s', async (_step, _name, match, fault, answer) => {
    const b = await bot();
    const hits = match(b);
    let injected = 0;
    proxy.fault = (method, path) => (hits(method, path) ? (injected++, fault) : undefined);
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(answer);
    expect(injected).toBeGreaterThan(0);
    expect(deliveredTokens(b)).toEqual([]);
    expect(await ownGrants(b)).toEqual([]);
    expect(await say(b, PEOPLE.engineer, 'status')).toBe('You have no active Karpor grants.');

    proxy.fault = undefined;
    expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
    expect(deliveredTokens(b)).toHaveLength(1);
    expect(await ownGrants(b)).toHaveLength(1);
    const sa = await adminKubeConfig().makeApiClient(k8s.CoreV1Api).readNamespacedServiceAccount({ namespace: `${b.prefix}-guests`, name: `${b.prefix}-guest` });
    expect(sa.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('karpor-token-bot');
  });
});

test('the TokenRequest fails and so does the clean-up: the grant is never shown, and the next request removes it', async () => {
  const b = await bot();
  const tokenPath = `/api/v1/namespaces/${b.prefix}-guests/serviceaccounts/${b.prefix}-guest/token`;
  proxy.fault = (method, path) => (method === 'POST' && path === tokenPath ? { status: 500 } : method === 'DELETE' && path.includes('/secrets/karpor-grant-') ? { drop: true } : undefined);
  expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(UNAVAILABLE);
  const leftover = await ownGrants(b);
  expect(leftover).toHaveLength(1);
  expect(await say(b, PEOPLE.engineer, 'status')).toBe('You have no active Karpor grants.');
  const grantId = leftover[0]!.metadata!.name!.replace('karpor-grant-', '');
  const id = `show-${Math.random()}`;
  await b.interact(blockActionPayload({ userId: PEOPLE.engineer, actionId: 'grant_show_again', value: grantId, responseUrl: b.slack.responseUrl(id) }));
  expect(await answerTo(b, b.slack.responseUrl(id))).toMatch(/does not exist any more/);
  expect(deliveredTokens(b)).toEqual([]);

  proxy.fault = undefined;
  expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
  let after = await ownGrants(b);
  for (let i = 0; i < 50 && after.length > 1; i++) {
    await wait(100);
    after = await ownGrants(b);
  }
  expect(after).toHaveLength(1);
  expect(after[0]!.metadata!.name).not.toBe(leftover[0]!.metadata!.name);
  expect(proxy.seen).toContain(`DELETE /api/v1/namespaces/${b.prefix}-guests/secrets/${leftover[0]!.metadata!.name}`);
});

test('housekeeping also removes a half-made grant once the hub is back', async () => {
  const b = await bot();
  proxy.fault = (method, path) => (method === 'POST' && path.endsWith('/token') ? { status: 503 } : method === 'DELETE' ? { status: 503 } : undefined);
  expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(UNAVAILABLE);
  expect(await ownGrants(b)).toHaveLength(1);
  await b.bot.housekeeping.run();
  expect(await ownGrants(b)).toHaveLength(1);
  proxy.fault = undefined;
  await b.bot.housekeeping.run();
  expect(await ownGrants(b)).toEqual([]);
});

test('the ServiceAccount deleted behind the bot is made again within the same request', async () => {
  const b = await bot();
  expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  await core.deleteNamespacedServiceAccount({ namespace: `${b.prefix}-guests`, name: `${b.prefix}-guest` });
  expect(await say(b, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
  expect((await core.readNamespacedServiceAccount({ namespace: `${b.prefix}-guests`, name: `${b.prefix}-guest` })).metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('karpor-token-bot');
  expect(await ownGrants(b)).toHaveLength(2);
  expect(deliveredTokens(b)).toHaveLength(2);
});

describe('a hub that hangs', () => {
  const TIMEOUT = 1_500;

  test('never delays the ack; the person is told within a bounded time', async () => {
    const b = await bot({ timeoutMs: TIMEOUT });
    proxy.fault = () => ({ hang: true });
    const started = Date.now();
    const sent = await b.command(PEOPLE.engineer, 'guest');
    expect(sent.status).toBe(200);
    expect(sent.ms).toBeLessThan(1_000);
    expect(await answerTo(b, sent.responseUrl, 3 * TIMEOUT + 2_000)).toMatch(UNAVAILABLE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT - 100);
    expect(Date.now() - started).toBeLessThan(3 * TIMEOUT + 2_000);

    const readyStarted = Date.now();
    expect((await ready(b)).status).toBe(503);
    expect(Date.now() - readyStarted).toBeLessThan(TIMEOUT + 1_000);
  });

  test('a TokenRequest that hangs: bounded answer, and the grant made for it is gone', async () => {
    const b = await bot({ timeoutMs: TIMEOUT });
    proxy.fault = (method, path) => (method === 'POST' && path.endsWith(`/serviceaccounts/${b.prefix}-guest/token`) ? { hang: true } : undefined);
    const started = Date.now();
    const sent = await b.command(PEOPLE.engineer, 'guest');
    expect(sent.ms).toBeLessThan(1_000);
    expect(await answerTo(b, sent.responseUrl, 3 * TIMEOUT + 2_000)).toMatch(UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(3 * TIMEOUT + 2_000);
    expect(await ownGrants(b)).toEqual([]);
    expect(deliveredTokens(b)).toEqual([]);
  });

  test('a click while the hub hangs is acknowledged at once and answered', async () => {
    const b = await bot({ timeoutMs: TIMEOUT });
    await say(b, PEOPLE.engineer, 'guest');
    const grantId = (await ownGrants(b))[0]!.metadata!.name!.replace('karpor-grant-', '');
    proxy.fault = () => ({ hang: true });
    for (const actionId of ['grant_show_again', 'grant_revoke', 'grant_extend']) {
      const id = `${actionId}-${Math.random()}`;
      const res = await b.interact(blockActionPayload({ userId: PEOPLE.engineer, actionId, value: grantId, responseUrl: b.slack.responseUrl(id) }));
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(1_000);
      expect(await answerTo(b, b.slack.responseUrl(id), 3 * TIMEOUT + 2_000)).toMatch(UNAVAILABLE);
    }
    proxy.fault = undefined;
    expect(await ownGrants(b)).toHaveLength(1);
  });

  test('a slow hub (under the timeout) still gets the token through', async () => {
    const b = await bot({ timeoutMs: TIMEOUT });
    proxy.fault = () => ({ delayMs: 300 });
    const sent = await b.command(PEOPLE.engineer, 'guest');
    expect(sent.ms).toBeLessThan(1_000);
    expect(await answerTo(b, sent.responseUrl)).toMatch(/token is in your DM/);
    await wait(100);
    expect(deliveredTokens(b)).toHaveLength(1);
  });
});
