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

/** Raw request with a bearer token; resolves with the HTTP status code. */
export function hubRequest(token: string, method: string, path: string): Promise<number> {
  const url = new URL(path, hubServer());
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' }, rejectUnauthorized: false, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}
