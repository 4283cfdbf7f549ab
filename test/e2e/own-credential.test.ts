// The bot's own hub credential renews itself: once a third of its lifetime is left, the bot asks
// the hub for a new token for itself (the only account it may), switches to it, and stores it in
// the Secret new pods read; its expiry is a metric. The test hub also stands in for the host
// cluster, where that Secret lives.
import * as fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { claimsOf } from '../../src/hub/token-claims';
import { adminKubeConfig, createNamespace, hubRequest, hubServer, serviceAccountToken, uniqueName, writeKubeconfigForToken } from '../support/hub';
import { startHubProxy, type HubProxy } from '../support/hub-proxy';
import { policyFrom } from '../../src/config/policy-file';
import { setupHub } from '../../src/setup/setup-hub';
import { botIdentity, movableClock, PEOPLE, say, startTestBot, testPolicy } from '../support/bot';
import { get } from '../faults/helpers';

const core = () => adminKubeConfig().makeApiClient(k8s.CoreV1Api);
const tokenOf = (kubeconfig: string) => (parse(kubeconfig) as { users: Array<{ user: { token: string } }> }).users[0]!.user.token;

async function expiryMetric(url: string): Promise<number> {
  const res = await get(url.replace('/slack/events', '/metrics'));
  const line = res.body.split('\n').find((l) => l.startsWith('karpor_token_bot_hub_credential_expiry_timestamp_seconds '));
  return Number(line?.split(' ')[1]);
}

/** A host-cluster identity that may only read and replace the one credential Secret (as the chart's Role): a kubeconfig file. */
async function hostIdentity(namespace: string, secret: string): Promise<string> {
  const rbac = adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
  await core().createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'pod' } } });
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'credential' }, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [secret], verbs: ['get', 'update'] }] } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: { metadata: { name: 'credential' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'credential' }, subjects: [{ kind: 'ServiceAccount', name: 'pod', namespace }] },
  });
  const file = `${fs.mkdtempSync('/tmp/own-host-')}/config`;
  writeKubeconfigForToken(file, hubServer(), await serviceAccountToken(namespace, 'pod', 3600));
  return file;
}

let proxy: HubProxy;
beforeAll(async () => {
  proxy = await startHubProxy(hubServer());
});
afterAll(() => proxy.stop());

test('renewed before it ends, used at once, and stored in its Secret; the expiry is a metric', async () => {
  const home = await createNamespace(uniqueName('own'));
  const prefix = uniqueName('o').slice(0, 12);
  const file = await botIdentity(home, testPolicy(prefix), proxy.server, 600);
  const first = tokenOf(fs.readFileSync(file, 'utf8'));
  const firstExp = claimsOf(first)!.exp!;
  const hostNs = await createNamespace(uniqueName('host'));
  await core().createNamespacedSecret({ namespace: hostNs, body: { metadata: { name: 'bot-hub' }, stringData: { kubeconfig: fs.readFileSync(file, 'utf8') } } });
  const host = await hostIdentity(hostNs, 'bot-hub');
  const clock = movableClock();
  const bot = await startTestBot({ namespace: home, prefix, kubeconfig: file, hubServer: proxy.server, clock, credentialSecret: { namespace: hostNs, name: 'bot-hub', key: 'kubeconfig' }, hostCluster: { kind: 'kubeconfig', path: host } });
  try {
    expect(await expiryMetric(bot.url)).toBe(firstExp);
    // Not due yet: nothing happens.
    await bot.bot.credential.run();
    expect(bot.logs.some((l) => /hub credential was renewed/.test(l))).toBe(false);

    // A third of its lifetime left: renewed. From now on the hub refuses the first token.
    clock.advance(450_000);
    await bot.bot.credential.run();
    expect(bot.logs.some((l) => /hub credential was renewed/.test(l))).toBe(true);
    proxy.fault = (_m, _p, headers) => (headers.authorization === `Bearer ${first}` ? { status: 401 } : undefined);
    expect(await say(bot, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);

    const stored = Buffer.from((await core().readNamespacedSecret({ namespace: hostNs, name: 'bot-hub' })).data!.kubeconfig!, 'base64').toString('utf8');
    expect(tokenOf(stored)).not.toBe(first);
    const renewed = claimsOf(tokenOf(stored))!;
    expect(renewed.iat).toBeGreaterThanOrEqual(claimsOf(first)!.iat!);
    expect(renewed['kubernetes.io']).toMatchObject({ namespace: home, serviceaccount: { name: 'karpor-token-bot' }, secret: { name: 'karpor-token-bot-credential' } });
    expect(renewed.exp! - renewed.iat!).toBe(600);
    expect(await expiryMetric(bot.url)).toBe(renewed.exp);
    // The stored kubeconfig is the file's, with the new token: same server, same trust.
    expect(stored).toContain(proxy.server);
    expect(bot.logs.join('\n')).not.toContain(tokenOf(stored));
  } finally {
    proxy.fault = undefined;
    await bot.stop();
  }
});

test('a token that cannot renew itself warns when its end is near', async () => {
  const home = await createNamespace(uniqueName('own'));
  const prefix = uniqueName('o').slice(0, 12);
  await botIdentity(home, testPolicy(prefix));
  // Made by hand, bound to nothing: the bot cannot renew it for the same anchor.
  const file = `${fs.mkdtempSync('/tmp/own-')}/config`;
  writeKubeconfigForToken(file, hubServer(), await serviceAccountToken(home, 'karpor-token-bot', 3600));
  const clock = movableClock();
  clock.advance(3000_000);
  const bot = await startTestBot({ namespace: home, prefix, kubeconfig: file, clock });
  try {
    await bot.slack.waitFor(() => bot.logs.find((l) => /"level":"warn"/.test(l) && /close to its end and cannot renew itself/.test(l)), 5_000);
  } finally {
    await bot.stop();
  }
});

test('setup-hub --rotate ends every earlier token of the bot', async () => {
  const home = await createNamespace(uniqueName('own'));
  const policy = testPolicy(uniqueName('o').slice(0, 12));
  const old = tokenOf(fs.readFileSync(await botIdentity(home, policy), 'utf8'));
  const check = `/api/v1/namespaces/${home}/secrets`;
  expect(await hubRequest(old, 'GET', check)).toBe(200);
  const rotated = await setupHub({ admin: adminKubeConfig(), policy: policyFrom(policy), namespace: home, tokenSeconds: 3600, rotate: true });
  const fresh = tokenOf(rotated.kubeconfig);
  const started = Date.now();
  while ((await hubRequest(old, 'GET', check)) !== 401) {
    // The hub remembers a successful check for 10 s.
    expect(Date.now() - started).toBeLessThan(12_000);
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(await hubRequest(fresh, 'GET', check)).toBe(200);
});
