// The hub probes against a real test hub: the one jest's global setup started, and a second one
// started here with a low token maximum.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { diagnose, type DoctorFacts, type Finding } from '../../src/domain/doctor';
import { KARPOR_DEFAULT_RULES } from '../../src/domain/karpor-defaults';
import type { Policy } from '../../src/domain/policy';
import { ruleDifferences } from '../../src/domain/role-rules';
import { credentialExpiry } from '../../src/hub/credential-expiry';
import { HubClient } from '../../src/hub/client';
import { probeHttp } from '../../src/hub/probe-http';
import { gatherHubFacts, proveToken, type ProbeHttp } from '../../src/hub/probes';
import { ANONYMOUS_ROLE_PATCH } from '../../src/slack/text/doctor';
import { hubBinDir, startHub, type RunningHub } from '../hub/harness';
import { adminKubeConfig, bindClusterRole, createServiceAccount, serviceAccountToken, uniqueName } from '../support/hub';
import { rolePolicy, samplePolicy } from '../unit/fakes';

jest.setTimeout(120_000);

const PROBE_ACCOUNT = 'karpor-token-probe';

/** The probes over the bot's own hub client, as the admin of the hub whose kubeconfig this is. */
function hubHttpFor(kubeconfigPath: string): ProbeHttp & { close(): void } {
  const conn = new HubClient({ kind: 'kubeconfig', path: kubeconfigPath }, 10_000);
  return { ...probeHttp(conn), close: () => conn.reload() };
}

async function namespaceWithProbeAccount(kc: k8s.KubeConfig): Promise<string> {
  const namespace = uniqueName('probes');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: PROBE_ACCOUNT } } });
  return namespace;
}

/** The policy the facts are gathered for: guest up to 8h, admin and audit up to 4h. */
const policy: Policy = samplePolicy();

function slackAsItShouldBe(): DoctorFacts['slack'] {
  return { grantedScopes: [], neededScopes: [], userGroups: [], approvers: [] };
}

async function findings(http: ProbeHttp, namespace: string, p: Policy = policy): Promise<Finding[]> {
  const hub = await gatherHubFacts(http, p, { namespace, serviceAccount: PROBE_ACCOUNT });
  return diagnose({ hub, botCredentialExpiresAt: null, slack: slackAsItShouldBe() }, p, new Date());
}

function finding<C extends Finding['check']>(all: Finding[], check: C, role?: string): Extract<Finding, { check: C }> | undefined {
  return all.find((f): f is Extract<Finding, { check: C }> => f.check === check && (role === undefined || ('role' in f && f.role === role)));
}

/** RBAC changes and deletions reach the hub's caches through watches: wait until it answers as expected. */
async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  // Past the 10 s the hub trusts a token it has just accepted.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await get();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function kubectl(kubeconfigPath: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(path.join(hubBinDir(), 'kubectl'), ['--kubeconfig', kubeconfigPath, ...args], (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout))),
  );
}

describe('the test hub as Karpor sets it up', () => {
  const kc = adminKubeConfig();
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  let http: ProbeHttp & { close(): void };
  let namespace: string;

  beforeAll(async () => {
    http = hubHttpFor(process.env.KARPOR_TEST_HUB_KUBECONFIG!);
    namespace = await namespaceWithProbeAccount(kc);
  });
  afterAll(() => http.close());

  test('RBAC is read from /server-configs', async () => {
    expect(finding(await findings(http, namespace), 'rbac')).toEqual({ check: 'rbac', status: 'ok', state: 'on' });
  });

  test('with the default anonymous binding, reads without a token are open', async () => {
    const all = await findings(http, namespace);
    expect(finding(all, 'anonymous-reads')).toEqual(expect.objectContaining({ status: 'fail', state: 'open', openPaths: ['/rest-api/v1/clusters', '/rest-api/v1/authn'] }));
  });

  test('without the anonymous binding, reads without a token are refused', async () => {
    const saved = await rbac.readClusterRoleBinding({ name: 'anonymous' });
    await rbac.deleteClusterRoleBinding({ name: 'anonymous' });
    try {
      const all = await until(() => findings(http, namespace), (f) => finding(f, 'anonymous-reads')?.state === 'closed');
      expect(finding(all, 'anonymous-reads')).toEqual(expect.objectContaining({ status: 'ok', state: 'closed', openPaths: [] }));
      // The whole anonymous role is gone with it, the dashboard's own pages included.
      expect((await http.present('/login', null)).status).toBe(403);
    } finally {
      await rbac.createClusterRoleBinding({ body: { metadata: { name: 'anonymous' }, roleRef: saved.roleRef, subjects: saved.subjects } });
    }
    await until(() => findings(http, namespace), (f) => finding(f, 'anonymous-reads')?.state === 'open');
  });

  test("the doctor's patch to the anonymous role closes reads and keeps the dashboard's pages open", async () => {
    const saved = await rbac.readClusterRole({ name: 'anonymous' });
    const kubeconfigPath = process.env.KARPOR_TEST_HUB_KUBECONFIG!;
    await kubectl(kubeconfigPath, ['patch', 'clusterrole', 'anonymous', '--type=json', '-p', JSON.stringify(ANONYMOUS_ROLE_PATCH)]);
    try {
      const all = await until(() => findings(http, namespace), (f) => finding(f, 'anonymous-reads')?.state === 'closed');
      expect(finding(all, 'anonymous-reads')).toEqual(expect.objectContaining({ status: 'ok', state: 'closed' }));
      for (const page of ['/login', '/public/index.js', '/server-configs']) {
        const { status } = await http.present(page, null);
        expect([page, status === 401 || status === 403]).toEqual([page, false]);
      }
      // Applied twice, the patch refuses (its tests no longer match) and changes nothing.
      const patched = await rbac.readClusterRole({ name: 'anonymous' });
      await expect(kubectl(kubeconfigPath, ['patch', 'clusterrole', 'anonymous', '--type=json', '-p', JSON.stringify(ANONYMOUS_ROLE_PATCH)])).rejects.toThrow(/invalid/);
      expect((await rbac.readClusterRole({ name: 'anonymous' })).rules).toEqual(patched.rules);
    } finally {
      const current = await rbac.readClusterRole({ name: 'anonymous' });
      await rbac.replaceClusterRole({ name: 'anonymous', body: { ...current, rules: saved.rules } });
    }
  });

  test("the preset roles hold Karpor's default rules, and every policy role's ClusterRole is found or missing", async () => {
    const all = await findings(http, namespace);
    expect(finding(all, 'preset-role', 'karpor-admin')).toEqual(expect.objectContaining({ status: 'ok', state: 'default' }));
    expect(finding(all, 'preset-role', 'karpor-guest')).toEqual(expect.objectContaining({ status: 'ok', state: 'default' }));
    // samplePolicy's audit role points at karpor-audit, which the hub does not have.
    expect(finding(all, 'policy-roles')).toEqual(expect.objectContaining({ status: 'fail', missing: [{ role: 'audit', clusterRole: 'karpor-audit' }] }));
  });

  test('a changed copy of karpor-guest is read with its change', async () => {
    const name = uniqueName('karpor-guest-changed');
    const guest = await rbac.readClusterRole({ name: 'karpor-guest' });
    const added = { verbs: ['post'], nonResourceURLs: ['/rest-api/v1/cluster/*'] };
    await rbac.createClusterRole({ body: { metadata: { name }, rules: [...(guest.rules ?? []), added] } });
    try {
      const withCopy: Policy = { ...policy, roles: [rolePolicy('guest', { clusterRole: name })] };
      const facts = await gatherHubFacts(http, withCopy, { namespace, serviceAccount: PROBE_ACCOUNT });
      const rules = facts.clusterRoles.find((r) => r.name === name)?.rules;
      expect(rules).toBeTruthy();
      expect(ruleDifferences(rules!, KARPOR_DEFAULT_RULES['karpor-guest'])).toEqual({ added: [{ kind: 'url', verb: 'post', url: '/rest-api/v1/cluster/*' }], removed: [] });
      expect(finding(diagnose({ hub: facts, botCredentialExpiresAt: null, slack: slackAsItShouldBe() }, withCopy, new Date()), 'policy-roles')?.status).toBe('ok');
    } finally {
      await rbac.deleteClusterRole({ name });
    }
  });

  test('the token maximum of an uncapped hub is enough for the policy', async () => {
    const all = await findings(http, namespace);
    expect(finding(all, 'token-maximum')).toEqual(expect.objectContaining({ status: 'ok', state: 'enough' }));
    const granted = finding(all, 'token-maximum')!.grantedSeconds!;
    expect(Math.abs(granted - 9 * 3600)).toBeLessThan(60);
  });

  test('the token-maximum probe leaves no Secret behind', async () => {
    await findings(http, namespace);
    const secrets = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace });
    expect(secrets.items.map((s) => s.metadata?.name)).toEqual([]);
  });

  test("the expiry of a ServiceAccount token from the hub is the one the hub granted", async () => {
    const answer = await kc.makeApiClient(k8s.CoreV1Api).createNamespacedServiceAccountToken({
      namespace,
      name: PROBE_ACCOUNT,
      body: { spec: { audiences: [], expirationSeconds: 7200 } },
    });
    expect(credentialExpiry({ token: answer.status!.token })).toEqual(new Date(answer.status!.expirationTimestamp!));
  });

  describe('proving a token', () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);

    test('a token the hub does not know is refused (401)', async () => {
      expect(await proveToken(http, 'not-a-token')).toEqual({ accepted: false, status: 401 });
    });

    test('a revoked token is refused (401)', async () => {
      await createServiceAccount(namespace, 'revoked');
      await bindClusterRole(namespace, 'revoked', 'karpor-guest');
      const secret = await core.createNamespacedSecret({ namespace, body: { metadata: { name: uniqueName('grant') } } });
      const token = await serviceAccountToken(namespace, 'revoked', 3600, { name: secret.metadata!.name!, uid: secret.metadata!.uid! });
      await core.deleteNamespacedSecret({ namespace, name: secret.metadata!.name! });
      // The hub learns of the deletion through a watch, a moment later.
      const proof = await until(() => proveToken(http, token), (p) => !p.accepted && p.status === 401);
      expect(proof).toEqual({ accepted: false, status: 401 });
    });

    test('a valid token without a role is refused (403)', async () => {
      await createServiceAccount(namespace, 'no-role');
      expect(await proveToken(http, await serviceAccountToken(namespace, 'no-role'))).toEqual({ accepted: false, status: 403 });
    });

    test.each(['karpor-guest', 'karpor-admin'])('a valid %s token is accepted by the login check', async (role) => {
      const sa = uniqueName(role);
      await createServiceAccount(namespace, sa);
      await bindClusterRole(namespace, sa, role);
      const proof = await proveToken(http, await serviceAccountToken(namespace, sa));
      expect(proof).toEqual({ accepted: true });
    });
  });
});

describe('a hub whose tokens last at most 1h', () => {
  let capped: RunningHub;
  let http: ProbeHttp & { close(): void };
  let namespace: string;

  beforeAll(async () => {
    capped = await startHub({ maxTokenSeconds: 3600 });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(capped.kubeconfigPath);
    http = hubHttpFor(capped.kubeconfigPath);
    namespace = await namespaceWithProbeAccount(kc);
  }, 120_000);
  afterAll(async () => {
    await http?.close();
    await capped?.stop();
  });

  test('the token maximum is found short of every role that lasts longer', async () => {
    const all = await findings(http, namespace);
    expect(finding(all, 'token-maximum')).toEqual(
      expect.objectContaining({
        status: 'warn',
        state: 'short',
        cutRoles: [
          { role: 'guest', maxSeconds: 8 * 3600 },
          { role: 'admin', maxSeconds: 4 * 3600 },
          { role: 'audit', maxSeconds: 4 * 3600 },
        ],
      }),
    );
    const granted = finding(all, 'token-maximum')!.grantedSeconds!;
    expect(Math.abs(granted - 3600)).toBeLessThan(60);
  });

  test('a policy within the maximum is fine there', async () => {
    const short: Policy = { ...policy, roles: [rolePolicy('guest', { maxSeconds: 1800 })] };
    expect(finding(await findings(http, namespace, short), 'token-maximum')).toEqual(expect.objectContaining({ status: 'ok', state: 'enough' }));
  });
});
