// The bot's own hub identity, as the setup step makes it: what its token may and may not do on
// the hub (RBAC is the only fence there: Karpor's hub runs without admission policies), and how
// the bot notices a role's bindings being tampered with before it issues the next token.
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { adminKubeConfig, createNamespace, hubRequest, hubServer, uniqueName } from '../support/hub';
import { startHubProxy, type HubProxy } from '../support/hub-proxy';
import { botIdentity, PEOPLE, say, startTestBot, testPolicy, tokenIn, type TestBot } from '../support/bot';
import { PROBE_ACCOUNT } from '../../src/setup/hub-objects';

const RBAC = 'rbac.authorization.k8s.io';
const rbac = () => adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
const core = () => adminKubeConfig().makeApiClient(k8s.CoreV1Api);

/** A call to the hub with a bearer token and a JSON body; resolves with the HTTP status. */
function call(token: string, method: string, path: string, body?: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, hubServer()),
      { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }, rejectUnauthorized: false, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

const tokenOf = (kubeconfig: string) => (parse(fs.readFileSync(kubeconfig, 'utf8')) as { users: Array<{ user: { token: string } }> }).users[0]!.user.token;

const crb = (name: string, role: string, subject: k8s.RbacV1Subject) => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
  subjects: [subject],
});

describe('the bot\'s own token', () => {
  let home: string;
  let prefix: string;
  let token: string;

  beforeAll(async () => {
    home = await createNamespace(uniqueName('fence'));
    prefix = uniqueName('f').slice(0, 12);
    token = tokenOf(await botIdentity(home, testPolicy(prefix)));
    await core().createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `outside-${prefix}` }, stringData: { x: 'y' } } });
    await core().createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: `outside-${prefix}` } } });
    await core().createNamespacedServiceAccount({ namespace: home, body: { metadata: { name: `neighbour-${prefix}` } } });
  });

  test('cannot bind anything: karpor-admin to everyone, or even its own roles to anyone', async () => {
    const everyone = { kind: 'Group', apiGroup: RBAC, name: 'system:authenticated' };
    expect(await call(token, 'POST', `/apis/${RBAC}/v1/clusterrolebindings`, crb(`${prefix}-x`, 'karpor-admin', everyone))).toBe(403);
    expect(await call(token, 'POST', `/apis/${RBAC}/v1/clusterrolebindings`, crb(`${prefix}-y`, 'karpor-guest', { kind: 'Group', apiGroup: RBAC, name: `system:serviceaccounts:${home}` }))).toBe(403);
    const rb = { ...crb(`${prefix}-z`, 'karpor-admin', everyone), kind: 'RoleBinding', metadata: { name: `${prefix}-z`, namespace: `${prefix}-guests` } };
    expect(await call(token, 'POST', `/apis/${RBAC}/v1/namespaces/${prefix}-guests/rolebindings`, rb)).toBe(403);
    expect(await call(token, 'DELETE', `/apis/${RBAC}/v1/clusterrolebindings/${prefix}-guests`)).toBe(403);
    expect(await call(token, 'PUT', `/apis/${RBAC}/v1/clusterroles/karpor-guest`, { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'karpor-guest' }, rules: [] })).toBe(403);
    // The role bindings are still exactly what setup made.
    expect((await rbac().readClusterRoleBinding({ name: `${prefix}-admins` })).subjects).toEqual([{ kind: 'Group', apiGroup: RBAC, name: `system:serviceaccounts:${prefix}-admins` }]);
  });

  test('cannot get a token for an account outside the role namespaces, except one for itself and one for its probe account', async () => {
    const tokenRequest = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 600 } };
    expect(await call(token, 'POST', `/api/v1/namespaces/default/serviceaccounts/outside-${prefix}/token`, tokenRequest)).toBe(403);
    expect(await call(token, 'POST', `/api/v1/namespaces/${home}/serviceaccounts/neighbour-${prefix}/token`, tokenRequest)).toBe(403);
    expect(await call(token, 'POST', `/api/v1/namespaces/default/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `${prefix}-mine` } })).toBe(403);
    expect(await call(token, 'POST', `/api/v1/namespaces/${home}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `${prefix}-mine` } })).toBe(403);
    expect(await call(token, 'POST', `/api/v1/namespaces/${home}/serviceaccounts/karpor-token-bot/token`, tokenRequest)).toBe(201);
    expect(await call(token, 'POST', `/api/v1/namespaces/${home}/serviceaccounts/${PROBE_ACCOUNT}/token`, tokenRequest)).toBe(201);
  });

  test("its probe account's token may do nothing the bot may", async () => {
    const probe = await core().createNamespacedServiceAccountToken({ namespace: home, name: PROBE_ACCOUNT, body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const probeToken = probe.status!.token;
    expect(await call(probeToken, 'GET', `/api/v1/namespaces/${home}/secrets`)).toBe(403);
    expect(await call(probeToken, 'GET', `/apis/${RBAC}/v1/clusterroles/karpor-guest`)).toBe(403);
    expect(await call(probeToken, 'GET', `/apis/${RBAC}/v1/clusterrolebindings`)).toBe(403);
    expect(await call(probeToken, 'POST', `/api/v1/namespaces/${home}/serviceaccounts/${PROBE_ACCOUNT}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [] } })).toBe(403);
    expect(await call(probeToken, 'POST', `/api/v1/namespaces/${prefix}-guests/serviceaccounts/${prefix}-guest/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [] } })).toBe(403);
  });

  test("reads the ClusterRoles of the policy and Karpor's presets, no other, and changes none", async () => {
    expect(await call(token, 'GET', `/apis/${RBAC}/v1/clusterroles/karpor-guest`)).toBe(200);
    expect(await call(token, 'GET', `/apis/${RBAC}/v1/clusterroles/karpor-admin`)).toBe(200);
    expect(await call(token, 'GET', `/apis/${RBAC}/v1/clusterroles/cluster-admin`)).toBe(403);
    expect(await call(token, 'GET', `/apis/${RBAC}/v1/clusterroles`)).toBe(403);
    expect(await call(token, 'DELETE', `/apis/${RBAC}/v1/clusterroles/karpor-guest`)).toBe(403);
  });

  test('cannot read Secrets outside its namespaces', async () => {
    expect(await call(token, 'GET', `/api/v1/namespaces/default/secrets/outside-${prefix}`)).toBe(403);
    expect(await call(token, 'GET', '/api/v1/namespaces/default/secrets')).toBe(403);
    expect(await call(token, 'GET', '/api/v1/secrets')).toBe(403);
    expect(await call(token, 'GET', `/api/v1/namespaces/${home}/secrets`)).toBe(200);
    expect(await call(token, 'GET', `/api/v1/namespaces/${prefix}-guests/secrets`)).toBe(200);
  });
});

describe('the hub\'s RBAC changed under a running bot', () => {
  let t: TestBot;
  let proxy: HubProxy;
  const guests = () => `${t.prefix}-guests`;

  beforeAll(async () => {
    proxy = await startHubProxy(hubServer());
    t = await startTestBot({ hubServer: proxy.server });
  });
  afterAll(async () => {
    await t.stop();
    await proxy.stop();
  });
  // Earlier tests raise the same alerts (replacing a binding deletes it first): look only at this test's.
  let logsBefore = 0;
  beforeEach(() => {
    t.slack.reset();
    logsBefore = t.logs.length;
  });

  const alerted = (what: RegExp) => t.slack.waitFor(() => t.logs.slice(logsBefore).find((l) => /"alert":true/.test(l) && what.test(l)), 10_000);

  async function guestToken(): Promise<string | undefined> {
    const answer = await say(t, PEOPLE.engineer, 'guest');
    if (!/token is in your DM/.test(answer)) return undefined;
    return tokenIn(t.slack.messages.find((m) => tokenIn(m))!);
  }

  async function expectRefused(problem: RegExp): Promise<void> {
    t.slack.reset();
    const answer = await say(t, PEOPLE.engineer, 'guest');
    expect(answer).toMatch(/The hub's RBAC for `guest` is not what this bot expects/);
    expect(answer).toMatch(problem);
    expect(answer).toMatch(/issued nothing/);
    expect(t.slack.messages.filter((m) => tokenIn(m))).toEqual([]);
  }

  test('a token costs no call to re-check the RBAC: the watches already know it', async () => {
    const token = await guestToken();
    expect(token).toBeDefined();
    expect(await hubRequest(token!, 'GET', '/rest-api/v1/authn')).toBe(200);
    expect(await hubRequest(token!, 'POST', '/rest-api/v1/cluster/x')).toBe(403);
    proxy.seen.length = 0;
    t.slack.reset();
    expect(await guestToken()).toBeDefined();
    expect(proxy.seen.filter((s) => /serviceaccounts(\/[^/]+)?$|clusterrolebindings/.test(s) && s.startsWith('GET'))).toEqual([]);
    expect(proxy.seen.filter((s) => s.startsWith('POST'))).toEqual([`POST /api/v1/namespaces/${guests()}/secrets`, `POST /api/v1/namespaces/${guests()}/serviceaccounts/${t.prefix}-guest/token`]);
  });

  test('the role binding replaced by one to karpor-admin: noticed at once, the next request is refused', async () => {
    expect(await guestToken()).toBeDefined();
    const made = await rbac().readClusterRoleBinding({ name: guests() });
    await rbac().deleteClusterRoleBinding({ name: guests() });
    await rbac().createClusterRoleBinding({ body: { metadata: { name: guests() }, roleRef: { ...made.roleRef, name: 'karpor-admin' }, subjects: made.subjects } });
    try {
      await alerted(/binds ClusterRole karpor-admin, not ClusterRole karpor-guest/);
      await expectRefused(/binds ClusterRole karpor-admin, not ClusterRole karpor-guest/);
    } finally {
      await rbac().deleteClusterRoleBinding({ name: guests() });
      await rbac().createClusterRoleBinding({ body: { metadata: { name: guests(), labels: made.metadata?.labels ?? {} }, roleRef: made.roleRef, subjects: made.subjects } });
    }
    await new Promise((r) => setTimeout(r, 300));
    t.slack.reset();
    expect(await guestToken()).toBeDefined();
  });

  test('an extra binding that gives the role namespace\'s group karpor-admin: refused until it is gone', async () => {
    expect(await guestToken()).toBeDefined();
    const name = uniqueName('extra');
    await rbac().createClusterRoleBinding({ body: crb(name, 'karpor-admin', { kind: 'Group', apiGroup: RBAC, name: `system:serviceaccounts:${guests()}` }) });
    try {
      await alerted(new RegExp(`ClusterRoleBinding ${name} also gives Group system:serviceaccounts:${guests()} ClusterRole karpor-admin`));
      await expectRefused(new RegExp(`${name} also gives`));
    } finally {
      await rbac().deleteClusterRoleBinding({ name });
    }
    t.slack.reset();
    await new Promise((r) => setTimeout(r, 300));
    expect(await guestToken()).toBeDefined();
  });

  test('an extra binding to the ServiceAccount itself, or to every authenticated identity, is refused too', async () => {
    for (const subject of [
      { kind: 'ServiceAccount', name: `${t.prefix}-guest`, namespace: guests() },
      { kind: 'Group', apiGroup: RBAC, name: 'system:authenticated' },
    ]) {
      const name = uniqueName('extra');
      await rbac().createClusterRoleBinding({ body: crb(name, 'karpor-admin', subject) });
      try {
        await alerted(new RegExp(`ClusterRoleBinding ${name} also gives`));
        await expectRefused(new RegExp(`${name} also gives ${subject.kind}`));
      } finally {
        await rbac().deleteClusterRoleBinding({ name });
      }
    }
  });

  test('the role binding deleted: refused, and it says to run the setup again', async () => {
    const made = await rbac().readClusterRoleBinding({ name: guests() });
    await rbac().deleteClusterRoleBinding({ name: guests() });
    try {
      await alerted(/is missing: run setup-hub again/);
      await expectRefused(/is missing: run setup-hub again/);
    } finally {
      await rbac().createClusterRoleBinding({ body: { metadata: { name: guests(), labels: made.metadata?.labels ?? {} }, roleRef: made.roleRef, subjects: made.subjects } });
    }
  });

  test('while the watches are cut off it fails closed; back, it catches up on what changed meanwhile', async () => {
    proxy.fault = (method, path) => (method === 'GET' && /clusterrolebindings|serviceaccounts$/.test(path) ? { drop: true } : undefined);
    proxy.cut();
    t.slack.reset();
    expect(await say(t, PEOPLE.engineer, 'guest')).toMatch(/The Karpor hub is not answering right now; nothing was issued/);
    expect(t.slack.messages.filter((m) => tokenIn(m))).toEqual([]);
    // Changed while the bot could not see it.
    const name = uniqueName('meanwhile');
    await rbac().createClusterRoleBinding({ body: crb(name, 'karpor-admin', { kind: 'Group', apiGroup: RBAC, name: `system:serviceaccounts:${guests()}` }) });
    try {
      proxy.fault = undefined;
      await alerted(new RegExp(`ClusterRoleBinding ${name} also gives`));
      await expectRefused(new RegExp(`${name} also gives`));
    } finally {
      await rbac().deleteClusterRoleBinding({ name });
    }
    await new Promise((r) => setTimeout(r, 300));
    t.slack.reset();
    expect(await guestToken()).toBeDefined();
  });

  test('a ServiceAccount someone else put in the role namespace under the bot\'s account name is not used', async () => {
    const name = `${t.prefix}-guest`;
    await core().deleteNamespacedServiceAccount({ namespace: guests(), name });
    await core().createNamespacedServiceAccount({ namespace: guests(), body: { metadata: { name } } });
    await new Promise((r) => setTimeout(r, 300));
    await expectRefused(/was not made by this bot/);
    await core().deleteNamespacedServiceAccount({ namespace: guests(), name });
  });
});
