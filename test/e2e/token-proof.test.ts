// Every token is proven before it is shown: the bot presents it to the hub as Karpor's dashboard
// does at login, and a token the hub refuses never reaches the person. Forced here for real: a
// proxy in front of the hub deletes the grant (revoking the token) between minting and the check.
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, dashboardLogin, hubServer } from '../support/hub';
import { startHubProxy, type HubProxy } from '../support/hub-proxy';
import { PEOPLE, startTestBot, tokenIn, type TestBot } from '../support/bot';
import { deliveredTokens, expectNoTokenLeaks, grantSecrets, say } from '../faults/helpers';

let proxy: HubProxy;
let t: TestBot;

beforeAll(async () => {
  proxy = await startHubProxy(hubServer());
  t = await startTestBot({ hubServer: proxy.server });
});
afterEach(() => {
  proxy.fault = undefined;
});
afterAll(async () => {
  await expectNoTokenLeaks(t);
  await t?.stop();
  await proxy?.stop();
});

test('a token is shown only after the hub let it through the login check', async () => {
  const logins = () => proxy.seen.filter((s) => s === 'GET /rest-api/v1/authn').length;
  const before = logins();
  expect(await say(t, PEOPLE.engineer, 'guest 1h')).toMatch(/token is in your DM/);
  expect(logins() - before).toBe(1);
  const [token] = deliveredTokens(t);
  expect(await dashboardLogin(token, hubServer())).toBe(200);
});

test('a token revoked between minting and the check is never delivered, and the person is told', async () => {
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  const before = deliveredTokens(t).length;
  let revoked: Promise<unknown> | undefined;
  proxy.fault = (method, path, headers) => {
    if (method !== 'GET' || path !== '/rest-api/v1/authn' || !headers.authorization) return undefined;
    // The grant Secret the token is bound to goes, so the hub answers the check as it would a revoked token.
    revoked = grantSecrets(t.namespace).then((secrets) => Promise.all(secrets.map((s) => core.deleteNamespacedSecret({ namespace: s.metadata!.namespace!, name: s.metadata!.name! }))));
    return { delayMs: 3_000 };
  };
  const answer = await say(t, PEOPLE.engineer, 'guest 1h', 30_000);
  await revoked;
  expect(answer).toMatch(/^I did not send you the token: the Karpor hub did not recognise the new token, so it would not have worked in the dashboard\. I removed the grant\./);
  expect(deliveredTokens(t)).toHaveLength(before);
  expect(t.slack.messages.filter((m) => m.user === PEOPLE.engineer && tokenIn(m))).toHaveLength(before);
  expect(await grantSecrets(t.namespace)).toEqual([]);
  expect(t.logs.some((l) => /"event":"grant.refused-by-hub"/.test(l) && /"status":401/.test(l))).toBe(true);
});

test('a hub whose front refuses the login check: no token, no grant left', async () => {
  proxy.fault = (method, path, headers) => (method === 'GET' && path === '/rest-api/v1/authn' && headers.authorization ? { status: 403 } : undefined);
  const before = deliveredTokens(t).length;
  expect(await say(t, PEOPLE.engineer, 'guest 1h')).toMatch(/will not let it log in/);
  expect(deliveredTokens(t)).toHaveLength(before);
  // The earlier tests' grants went with the revocation above.
  expect(await grantSecrets(t.namespace)).toEqual([]);
});
