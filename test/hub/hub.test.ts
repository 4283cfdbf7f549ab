// Proves the test hub is a real, strict apiserver: RBAC escalation checks, TokenRequest
// validation, bound-token revocation and Karpor's nonResourceURL roles all answer for real.
import * as k8s from '@kubernetes/client-node';
import {
  adminKubeConfig,
  bindClusterRole,
  createNamespace,
  createServiceAccount,
  hubRequest,
  hubServer,
  kubeConfigForToken,
  serviceAccountToken,
  uniqueName,
} from '../support/hub';
import { startHub } from './harness';

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
  test('serves Karpor roles and issues tokens with issuer and audience "karpor"', async () => {
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

    // 404: RBAC allowed the request and the plain apiserver has no such path.
    expect(await hubRequest(guest, 'GET', AUTHN)).toBe(404);
    expect(await hubRequest(guest, 'POST', '/rest-api/v1/cluster/x')).toBe(403);
    expect(await hubRequest(adm, 'GET', AUTHN)).toBe(404);
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
