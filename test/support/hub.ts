// Helpers for tests that talk to the test hub started by test/setup/global-setup.ts.
import * as fs from 'node:fs';
import * as https from 'node:https';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through jest (global setup starts a hub) or start one with npm run hub`);
  return v;
}

export function hubServer(): string {
  return requireEnv('KARPOR_TEST_HUB_SERVER');
}

export function adminKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(requireEnv('KARPOR_TEST_HUB_KUBECONFIG'));
  return kc;
}

/** The hub's Karpor-like kubeconfig: client certificate CN=kubernetes-admin, O=system:masters. */
export function certKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(requireEnv('KARPOR_TEST_HUB_CERT_KUBECONFIG'));
  return kc;
}

/** Lowercase, DNS-1123 safe, unique per call: `<prefix>-<10 hex>`. */
export function uniqueName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 't';
  return `${clean}-${randomBytes(5).toString('hex')}`;
}

export async function createNamespace(name: string = uniqueName('test')): Promise<string> {
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

export async function createServiceAccount(namespace: string, name: string): Promise<k8s.V1ServiceAccount> {
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  return core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
}

/** Binds a ServiceAccount to a ClusterRole; returns the (unique) ClusterRoleBinding name. */
export async function bindClusterRole(namespace: string, saName: string, clusterRole: string): Promise<string> {
  const rbac = adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
  const name = uniqueName(`${clusterRole}-${saName}`);
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ kind: 'ServiceAccount', name: saName, namespace }],
    },
  });
  return name;
}

/** TokenRequest through the admin identity; the ServiceAccount must exist. */
export async function serviceAccountToken(
  namespace: string,
  saName: string,
  seconds = 3600,
  boundSecret?: { name: string; uid: string },
): Promise<string> {
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  const res = await core.createNamespacedServiceAccountToken({
    name: saName,
    namespace,
    body: {
      spec: {
        audiences: [],
        expirationSeconds: seconds,
        ...(boundSecret ? { boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: boundSecret.name, uid: boundSecret.uid } } : {}),
      },
    },
  });
  const token = res.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${saName} returned no token`);
  return token;
}

export function kubeConfigForToken(server: string, token: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'hub', server, skipTLSVerify: true }],
    users: [{ name: 'token-user', token }],
    contexts: [{ name: 'hub', cluster: 'hub', user: 'token-user' }],
    currentContext: 'hub',
  });
  return kc;
}

export function writeKubeconfigForToken(path: string, server: string, token: string): void {
  fs.writeFileSync(path, kubeConfigForToken(server, token).exportConfig(), { mode: 0o600 });
}

/** Raw request, with a bearer token or (undefined) none; resolves with the status and the body. */
export function hubCall(token: string | undefined, method: string, path: string, server = hubServer()): Promise<{ status: number; body: string }> {
  const url = new URL(path, server);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, headers: { ...(token !== undefined && { Authorization: `Bearer ${token}` }), Accept: 'application/json' }, rejectUnauthorized: false, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

/** Raw request with a bearer token (or none); resolves with the HTTP status code. */
export async function hubRequest(token: string | undefined, method: string, path: string, server = hubServer()): Promise<number> {
  return (await hubCall(token, method, path, server)).status;
}

/**
 * The hub's answer to the dashboard's login check once a revoked token has stopped working. The
 * hub trusts a token it accepted in the last 10 s, and the bot's proof before delivery is such a
 * use, so a token revoked right after it was issued keeps working that long (FACTS: revocation).
 */
export async function loginAfterRevocation(token: string, server = hubServer()): Promise<number> {
  const deadline = Date.now() + 12_000;
  for (;;) {
    const status = await dashboardLogin(token, server);
    if (status !== 200 || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * What Karpor's dashboard learns from a token at login: `GET /rest-api/v1/authn` with it.
 * 200 accepted and allowed, 401 not accepted (bad, expired or revoked), 403 valid but without a role.
 */
export function dashboardLogin(token: string | undefined, server = hubServer()): Promise<number> {
  return hubRequest(token, 'GET', '/rest-api/v1/authn', server);
}

export interface TokenOwner {
  /** The Kubernetes user name: system:serviceaccount:<namespace>:<name>. */
  username: string;
  namespace?: string;
  serviceAccount?: string;
  /** The object the token is bound to (a grant Secret), if any. */
  boundSecret?: string;
  expiresAt?: Date;
}

/**
 * Who a ServiceAccount token belongs to, read from its own JWT claims (no signature check: for
 * display and assertions only; the hub decides whether the token is any good). Karpor serves no
 * TokenReview or SelfSubjectReview to ask it.
 */
export function tokenOwner(token: string): TokenOwner | undefined {
  let claims: { sub?: unknown; exp?: unknown; 'kubernetes.io'?: { namespace?: unknown; serviceaccount?: { name?: unknown }; secret?: { name?: unknown } } };
  try {
    claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!claims || typeof claims.sub !== 'string') return undefined;
  const k8sClaims = claims['kubernetes.io'];
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const owner: TokenOwner = { username: claims.sub };
  const namespace = text(k8sClaims?.namespace);
  const serviceAccount = text(k8sClaims?.serviceaccount?.name);
  const boundSecret = text(k8sClaims?.secret?.name);
  if (namespace) owner.namespace = namespace;
  if (serviceAccount) owner.serviceAccount = serviceAccount;
  if (boundSecret) owner.boundSecret = boundSecret;
  if (typeof claims.exp === 'number') owner.expiresAt = new Date(claims.exp * 1000);
  return owner;
}
