// Proves the test hub is a real, strict apiserver: RBAC escalation checks, TokenRequest
// validation, bound-token revocation and Karpor's nonResourceURL roles all answer for real; and
// that it answers like Karpor v0.6.4 where the bot depends on it (README.md in this directory).
import * as k8s from '@kubernetes/client-node';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  adminKubeConfig,
  bindClusterRole,
  certKubeConfig,
  createNamespace,
  createServiceAccount,
  dashboardLogin,
  hubCall,
  hubRequest,
  hubServer,
  kubeConfigForToken,
  serviceAccountToken,
  tokenOwner,
  uniqueName,
} from '../support/hub';
import { karporRolesDir, KARPOR_VERSION, startHub, type RunningHub } from './harness';

const AUTHN = '/rest-api/v1/authn';

const admin = adminKubeConfig();
const core = admin.makeApiClient(k8s.CoreV1Api);
const rbac = admin.makeApiClient(k8s.RbacAuthorizationV1Api);

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function namespace(): Promise<string> {
  // Without kube-controller-manager a deleted namespace stays Terminating; harmless on a per-run hub.
  const ns = await createNamespace();
  cleanups.push(() => core.deleteNamespace({ name: ns }));
  return ns;
}

async function serviceAccount(ns: string, prefix = 'sa'): Promise<string> {
  const name = uniqueName(prefix);
  await createServiceAccount(ns, name);
  return name;
}

async function bind(ns: string, sa: string, role: string): Promise<string> {
  const name = await bindClusterRole(ns, sa, role);
  cleanups.push(() => rbac.deleteClusterRoleBinding({ name }));
  return name;
}

async function clusterRole(rules: k8s.V1PolicyRule[]): Promise<string> {
  const name = uniqueName('test-role');
  await rbac.createClusterRole({ body: { metadata: { name }, rules } });
  cleanups.push(() => rbac.deleteClusterRole({ name }));
  return name;
}

function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Runs `fn`, expecting an ApiException; returns its code and the Status message. */
async function apiError(fn: () => Promise<unknown>): Promise<{ code: number; message: string; reason?: string }> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof k8s.ApiException) {
      const status = JSON.parse(String(err.body)) as { message?: string; reason?: string };
      return { code: err.code, message: status.message ?? '', reason: status.reason };
    }
    throw err;
  }
  throw new Error('expected the API call to fail');
}

// kube-apiserver caches a successful token authentication for 10 s (TokenSuccessCacheTTL, no
// flag), so a token used just before its revocation keeps working for up to that long.
const AUTH_CACHE_MS = 10_000;

async function untilRevoked(token: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const status = await hubRequest(token, 'GET', AUTHN);
    if (status === 401 || Date.now() - started > AUTH_CACHE_MS + 5_000) return status;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function karporAdminBinding(ns: string, sa: string): k8s.V1ClusterRoleBinding {
  return {
    metadata: { name: uniqueName('escalate') },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'karpor-admin' },
    subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
  };
}

describe('test hub', () => {
  test('serves Karpor roles and issues tokens with issuer "karpor" (and, unlike Karpor, audience "karpor")', async () => {
    const roles = await rbac.listClusterRole();
    const names = roles.items.map((r) => r.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['karpor-admin', 'karpor-guest', 'anonymous']));

    const ns = await namespace();
    const sa = await serviceAccount(ns);
    // The TokenRequest here carries no audiences: the server fills in --api-audiences.
    const res = await core.createNamespacedServiceAccountToken({
      name: sa,
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    expect(res.status?.token).toBeTruthy();
    const claims = jwtClaims(res.status!.token);
    expect(claims.iss).toBe('karpor');
    // kube-apiserver always sets aud (--api-audiences defaults to the issuer); Karpor's tokens
    // carry none. Listed in README.md as stand-in-only.
    expect(claims.aud).toEqual(['karpor']);
    expect(claims.sub).toBe(`system:serviceaccount:${ns}:${sa}`);
    expect(res.spec.audiences).toEqual(['karpor']);
    const lifetime = (new Date(res.status!.expirationTimestamp).getTime() - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(3500);
    expect(lifetime).toBeLessThanOrEqual(3601);

    expect(await hubRequest('not-a-token', 'GET', AUTHN)).toBe(401);
    // A valid token without any Karpor binding: authenticated, but RBAC denies.
    expect(await hubRequest(res.status!.token, 'GET', AUTHN)).toBe(403);
  });

  test('an unprivileged ServiceAccount cannot bind karpor-admin', async () => {
    const ns = await namespace();
    const sa = await serviceAccount(ns);
    const token = await serviceAccountToken(ns, sa);
    const asSa = kubeConfigForToken(hubServer(), token).makeApiClient(k8s.RbacAuthorizationV1Api);

    const err = await apiError(() => asSa.createClusterRoleBinding({ body: karporAdminBinding(ns, sa) }));
    expect(err.code).toBe(403);
    expect(err.reason).toBe('Forbidden');
    expect(err.message).toContain('cannot create resource "clusterrolebindings"');
  });

  test('create on clusterrolebindings alone is stopped by the escalation check', async () => {
    const ns = await namespace();
    const sa = await serviceAccount(ns);
    const role = await clusterRole([{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings'], verbs: ['create'] }]);
    await bind(ns, sa, role);
    const token = await serviceAccountToken(ns, sa);
    const asSa = kubeConfigForToken(hubServer(), token).makeApiClient(k8s.RbacAuthorizationV1Api);

    const err = await apiError(() => asSa.createClusterRoleBinding({ body: karporAdminBinding(ns, sa) }));
    expect(err.code).toBe(403);
    expect(err.message).toContain('is attempting to grant RBAC permissions not currently held');
  });

  test('verb bind on clusterroles/karpor-admin allows binding it, and only it', async () => {
    const ns = await namespace();
    const sa = await serviceAccount(ns);
    const user = await serviceAccount(ns, 'user');
    const role = await clusterRole([
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings'], verbs: ['create'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['karpor-admin'] },
    ]);
    await bind(ns, sa, role);
    const token = await serviceAccountToken(ns, sa);
    const asSa = kubeConfigForToken(hubServer(), token).makeApiClient(k8s.RbacAuthorizationV1Api);

    // Checked before the karpor-admin binding below exists: a caller holding every rule of a
    // role may bind it without `bind`, and karpor-admin covers all of karpor-guest.
    const guest = { ...karporAdminBinding(ns, user), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'karpor-guest' } };
    const err = await apiError(() => asSa.createClusterRoleBinding({ body: guest }));
    expect(err.code).toBe(403);
    expect(err.message).toContain('is attempting to grant RBAC permissions not currently held');

    const body = karporAdminBinding(ns, user);
    const created = await asSa.createClusterRoleBinding({ body });
    cleanups.push(() => rbac.deleteClusterRoleBinding({ name: body.metadata!.name! }));
    expect(created.roleRef.name).toBe('karpor-admin');
    // 404: allowed, and the stand-in has no handler for Karpor's write paths.
    expect(await hubRequest(await serviceAccountToken(ns, user), 'POST', '/rest-api/v1/cluster/x')).toBe(404);
  });

  test('TokenRequest rejects expirationSeconds below 600', async () => {
    const ns = await namespace();
    const sa = await serviceAccount(ns);
    const err = await apiError(() => serviceAccountToken(ns, sa, 599));
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toContain('spec.expirationSeconds');
    expect(err.message).toContain('may not specify a duration less than 10 minutes');

    await expect(serviceAccountToken(ns, sa, 600)).resolves.toEqual(expect.any(String));
  });

  test('a token bound to a Secret dies with the Secret', async () => {
    const ns = await namespace();
    const sa = await serviceAccount(ns);
    const secret = await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: uniqueName('bound') } } });
    const token = await serviceAccountToken(ns, sa, 3600, { name: secret.metadata!.name!, uid: secret.metadata!.uid! });
    expect(jwtClaims(token)['kubernetes.io']).toMatchObject({ secret: { name: secret.metadata!.name, uid: secret.metadata!.uid } });

    // Authenticated (403 because the SA holds no Karpor role), not 401.
    expect(await hubRequest(token, 'GET', AUTHN)).toBe(403);

    await core.deleteNamespacedSecret({ name: secret.metadata!.name!, namespace: ns });
    expect(await untilRevoked(token)).toBe(401);
  });

  test('a bound token not used before the Secret is deleted fails at once, without the 10 s of the success cache', async () => {
    const ns = await namespace();
    const sa = await serviceAccount(ns);
    const secret = await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: uniqueName('bound') } } });
    const token = await serviceAccountToken(ns, sa, 3600, { name: secret.metadata!.name!, uid: secret.metadata!.uid! });
    await core.deleteNamespacedSecret({ name: secret.metadata!.name!, namespace: ns });
    // The apiserver looks the bound Secret up in a cache it fills from a watch, which sees the deletion a few
    // milliseconds later (more on a loaded machine); a use inside that moment would pass, and then
    // be cached as a success for 10 s.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await hubRequest(token, 'GET', AUTHN)).toBe(401);
  });

  test('deleting the ServiceAccount revokes its tokens', async () => {
    const ns = await namespace();
    const sa = await serviceAccount(ns);
    const token = await serviceAccountToken(ns, sa);
    expect(await hubRequest(token, 'GET', AUTHN)).toBe(403);
    await core.deleteNamespacedServiceAccount({ name: sa, namespace: ns });
    expect(await untilRevoked(token)).toBe(401);
  });

  test('karpor-guest may read but not write; karpor-admin may do both', async () => {
    const ns = await namespace();
    const guestSa = await serviceAccount(ns, 'guest');
    const adminSa = await serviceAccount(ns, 'admin');
    await bind(ns, guestSa, 'karpor-guest');
    await bind(ns, adminSa, 'karpor-admin');
    const guest = await serviceAccountToken(ns, guestSa);
    const adm = await serviceAccountToken(ns, adminSa);

    expect(await hubRequest(guest, 'GET', AUTHN)).toBe(200);
    expect(await hubRequest(guest, 'POST', '/rest-api/v1/cluster/x')).toBe(403);
    expect(await hubRequest(adm, 'GET', AUTHN)).toBe(200);
    // 404: allowed, and the stand-in has no handler for Karpor's write paths.
    expect(await hubRequest(adm, 'POST', '/rest-api/v1/cluster/x')).toBe(404);
  });
});

describe('startHub({ maxTokenSeconds })', () => {
  test('cuts longer TokenRequests to the maximum', async () => {
    const hub = await startHub({ maxTokenSeconds: 3600 });
    try {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(hub.kubeconfigPath);
      const api = kc.makeApiClient(k8s.CoreV1Api);
      await api.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'long' } } });
      const res = await api.createNamespacedServiceAccountToken({
        name: 'long',
        namespace: 'default',
        body: { spec: { audiences: [], expirationSeconds: 7200 } },
      });
      const lifetime = (new Date(res.status!.expirationTimestamp).getTime() - Date.now()) / 1000;
      expect(lifetime).toBeGreaterThan(3500);
      expect(lifetime).toBeLessThanOrEqual(3601);
      expect(res.spec.expirationSeconds).toBe(3600);
    } finally {
      await hub.stop();
    }
  });
});

describe('like Karpor: what it does not serve', () => {
  // Each of these answers 201/200 on a plain kube-apiserver; Karpor's server has no such API.
  test.each([
    ['TokenReview', 'POST', '/apis/authentication.k8s.io/v1/tokenreviews'],
    ['SelfSubjectReview (kubectl auth whoami)', 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews'],
    ['SelfSubjectAccessReview (kubectl auth can-i)', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'],
    ['SubjectAccessReview', 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews'],
    ['SelfSubjectRulesReview', 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews'],
    ['LocalSubjectAccessReview', 'POST', '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews'],
    ['ConfigMaps', 'GET', '/api/v1/namespaces/default/configmaps'],
    ['Leases', 'GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases'],
    ['Deployments', 'GET', '/apis/apps/v1/namespaces/default/deployments'],
  ])('%s: 404 even for the admin', async (_what, method, p) => {
    const token = (adminKubeConfig().getCurrentUser() as { token?: string }).token;
    expect(await hubRequest(token, method, p)).toBe(404);
  });

  test('discovery lists core/v1 and RBAC but none of those groups; TokenRequest still works', async () => {
    const token = (adminKubeConfig().getCurrentUser() as { token?: string }).token;
    const groups = (JSON.parse((await hubCall(token, 'GET', '/apis')).body) as { groups: { name: string }[] }).groups.map((g) => g.name);
    expect(groups).toContain('rbac.authorization.k8s.io');
    for (const missing of ['authentication.k8s.io', 'authorization.k8s.io', 'coordination.k8s.io', 'apps']) expect(groups).not.toContain(missing);
    const core = (JSON.parse((await hubCall(token, 'GET', '/api/v1')).body) as { resources: { name: string }[] }).resources.map((r) => r.name);
    expect(core).toEqual(expect.arrayContaining(['namespaces', 'pods', 'secrets', 'serviceaccounts', 'serviceaccounts/token']));
    expect(core).not.toContain('configmaps');

    const ns = await namespace();
    const sa = await serviceAccount(ns);
    expect(tokenOwner(await serviceAccountToken(ns, sa))?.username).toBe(`system:serviceaccount:${ns}:${sa}`);
  });
});

describe('like Karpor: its own paths', () => {
  test('GET /server-configs needs no token and says RBAC is on, as Karpor answers it', async () => {
    const res = await hubCall(undefined, 'GET', '/server-configs');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ CoreOptions: { EnableRBAC: true, ReadOnlyMode: false }, Version: KARPOR_VERSION });
    expect(await hubRequest('not-a-token', 'GET', '/server-configs')).toBe(401);
  });

  test('GET /rest-api/v1/authn: 200 for a guest or admin token and for no token at all, 401 for garbage, 403 for a token without a role', async () => {
    const ns = await namespace();
    const guestSa = await serviceAccount(ns, 'guest');
    const adminSa = await serviceAccount(ns, 'admin');
    const bare = await serviceAccount(ns, 'bare');
    await bind(ns, guestSa, 'karpor-guest');
    await bind(ns, adminSa, 'karpor-admin');

    expect(await dashboardLogin(await serviceAccountToken(ns, guestSa))).toBe(200);
    expect(await dashboardLogin(await serviceAccountToken(ns, adminSa))).toBe(200);
    // Karpor's `anonymous` role: a request without a token may GET /rest-api/*.
    expect(await dashboardLogin(undefined)).toBe(200);
    expect(await dashboardLogin('not-a-token')).toBe(401);
    expect(await dashboardLogin(await serviceAccountToken(ns, bare))).toBe(403);
    const body = JSON.parse((await hubCall(await serviceAccountToken(ns, guestSa), 'GET', AUTHN)).body) as { success?: boolean };
    expect(body.success).toBe(true);
  });

  test('anonymous requests may read /rest-api/* and nothing else', async () => {
    // 404: allowed, and the stand-in has no handler there (Karpor answers 200).
    expect(await hubRequest(undefined, 'GET', '/rest-api/v1/clusters')).toBe(404);
    expect(await hubRequest(undefined, 'POST', '/rest-api/v1/cluster/x')).toBe(403);
    expect(await hubRequest(undefined, 'GET', '/api/v1/namespaces')).toBe(403);
  });
});

describe('the front passes the rest through untouched', () => {
  test('a client certificate authenticates as its CN and O, like the kubeconfig of Karpor\'s cert job', async () => {
    const api = certKubeConfig().makeApiClient(k8s.CoreV1Api);
    const ns = await namespace();
    await api.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'from-cert' } } });
    const res = await api.createNamespacedServiceAccountToken({ name: 'from-cert', namespace: ns, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    expect(tokenOwner(res.status!.token)?.serviceAccount).toBe('from-cert');
  });

  test('identity headers from a client are ignored', async () => {
    const url = new URL('/api/v1/namespaces', hubServer());
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        url,
        { headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' }, rejectUnauthorized: false },
        (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  test('a watch streams through the front', async () => {
    const ns = await namespace();
    const seen: string[] = [];
    const watch = new k8s.Watch(admin);
    const request = await watch.watch(`/api/v1/namespaces/${ns}/secrets`, {}, (type: string, obj: k8s.V1Secret) => seen.push(`${type} ${obj.metadata?.name}`), () => undefined);
    try {
      await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'watched' } } });
      const deadline = Date.now() + 10_000;
      while (!seen.includes('ADDED watched') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(seen).toContain('ADDED watched');
    } finally {
      request.abort();
    }
  });
});

describe('startHub({ rbac: false })', () => {
  let off: RunningHub;
  beforeAll(async () => {
    off = await startHub({ rbac: false });
  }, 120_000);
  afterAll(() => off?.stop());

  test('allows every request whatever token it carries, and /server-configs says EnableRBAC: false', async () => {
    const res = await hubCall(undefined, 'GET', '/server-configs', off.server);
    expect(JSON.parse(res.body)).toMatchObject({ CoreOptions: { EnableRBAC: false }, Version: KARPOR_VERSION });
    expect(await dashboardLogin('not-a-token', off.server)).toBe(200);
    expect(await dashboardLogin(undefined, off.server)).toBe(200);
    // Allowed (404: no handler in the stand-in), where RBAC on gives 401.
    expect(await hubRequest('not-a-token', 'POST', '/rest-api/v1/cluster/x', off.server)).toBe(404);
    expect(await hubRequest('not-a-token', 'GET', '/api/v1/namespaces', off.server)).toBe(200);
  });

  test('a revoked token still "works"', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(off.kubeconfigPath);
    const api = kc.makeApiClient(k8s.CoreV1Api);
    await api.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'gone' } } });
    const res = await api.createNamespacedServiceAccountToken({ name: 'gone', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    await api.deleteNamespacedServiceAccount({ name: 'gone', namespace: 'default' });
    expect(await dashboardLogin(res.status!.token, off.server)).toBe(200);
  });
});

describe('Karpor\'s role files', () => {
  test('come from ../shared/karpor (or KARPOR_ROLES_DIR), and a hub without them does not start', async () => {
    expect(karporRolesDir()).toBe(process.env.KARPOR_ROLES_DIR || path.resolve(__dirname, '..', '..', '..', 'shared', 'karpor'));
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-roles-'));
    const before = process.env.KARPOR_ROLES_DIR;
    process.env.KARPOR_ROLES_DIR = empty;
    try {
      await expect(startHub()).rejects.toThrow(`Karpor's role files (default-karpor-admin-rbac.yaml, default-karpor-guest-rbac.yaml, default-anonymous-rbac.yaml from KusionStack/karpor config/) are not in ${empty}`);
    } finally {
      if (before === undefined) delete process.env.KARPOR_ROLES_DIR;
      else process.env.KARPOR_ROLES_DIR = before;
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
