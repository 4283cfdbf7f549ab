import * as k8s from '@kubernetes/client-node';
import type { Policy } from '../domain/policy';
import { ANCHOR_TYPE, BOT_ACCOUNT, CREDENTIAL_ANCHOR, hubObjects, type HubObject } from './hub-objects';

export interface SetupOptions {
  /** Karpor's admin kubeconfig for the hub: used for this run only, never stored. */
  admin: k8s.KubeConfig;
  policy: Pick<Policy, 'identity' | 'roles'>;
  /** The bot's home namespace on the hub (HUB_NAMESPACE). */
  namespace: string;
  /** The hub's address as the bot reaches it; the admin kubeconfig's when not given. */
  server?: string;
  /** How long the bot's token lasts (the hub may cut it short). */
  tokenSeconds: number;
  /** Deletes the anchor of the bot's earlier tokens first, which revokes every one of them. */
  rotate?: boolean;
  say?: (line: string) => void;
}

export interface BotCredential {
  /** A kubeconfig with the bot's own token: a secret, for a file or Secret only. */
  kubeconfig: string;
  expiresAt: Date;
}

/**
 * Applies the bot's hub objects (hubObjects) with Karpor's admin kubeconfig, then issues the
 * bot's own token, bound to its anchor Secret, and wraps it in a kubeconfig. Running it again
 * brings the objects back to what the policy says; bindings whose role changed are replaced
 * (a binding's role cannot be edited).
 */
export async function setupHub(opts: SetupOptions): Promise<BotCredential> {
  const say = opts.say ?? (() => undefined);
  const objects = k8s.KubernetesObjectApi.makeApiClient(opts.admin);
  for (const obj of hubObjects(opts.policy, opts.namespace)) say(`${await apply(objects, obj)} ${describe(obj)}`);

  const core = opts.admin.makeApiClient(k8s.CoreV1Api);
  const namespace = opts.namespace;
  if (opts.rotate) {
    await ignore(404, () => core.deleteNamespacedSecret({ namespace, name: CREDENTIAL_ANCHOR }));
    say(`deleted Secret ${namespace}/${CREDENTIAL_ANCHOR}: every earlier token of the bot is revoked`);
  }
  let anchor = await ignore(404, () => core.readNamespacedSecret({ namespace, name: CREDENTIAL_ANCHOR }));
  if (!anchor) {
    anchor = await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: CREDENTIAL_ANCHOR, labels: { 'app.kubernetes.io/managed-by': 'karpor-token-bot' } },
        type: ANCHOR_TYPE,
      },
    });
    say(`created Secret ${namespace}/${CREDENTIAL_ANCHOR} (the bot's tokens are bound to it)`);
  }
  const answer = await core.createNamespacedServiceAccountToken({
    name: BOT_ACCOUNT,
    namespace,
    body: {
      spec: {
        audiences: [],
        expirationSeconds: opts.tokenSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: CREDENTIAL_ANCHOR, uid: anchor.metadata!.uid! },
      },
    },
  });
  const token = answer.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${BOT_ACCOUNT} answered without a token`);
  const expiresAt = new Date(answer.status!.expirationTimestamp!);
  say(`issued a token for ServiceAccount ${namespace}/${BOT_ACCOUNT}, valid until ${expiresAt.toISOString()}`);
  return { kubeconfig: botKubeconfig(opts.admin, opts.server, namespace, token), expiresAt };
}

/** A kubeconfig for the bot's token that trusts the hub the way the admin kubeconfig does. */
function botKubeconfig(admin: k8s.KubeConfig, server: string | undefined, namespace: string, token: string): string {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig has no current cluster');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'karpor-hub',
        server: server ?? cluster.server,
        ...(cluster.caData && { caData: cluster.caData }),
        ...(cluster.caFile && { caFile: cluster.caFile }),
        skipTLSVerify: cluster.skipTLSVerify,
      },
    ],
    users: [{ name: BOT_ACCOUNT, token }],
    contexts: [{ name: 'karpor-hub', cluster: 'karpor-hub', user: BOT_ACCOUNT, namespace }],
    currentContext: 'karpor-hub',
  });
  return kc.exportConfig();
}

async function apply(api: k8s.KubernetesObjectApi, obj: HubObject): Promise<string> {
  const spec = obj as k8s.KubernetesObject;
  const created = await ignore(409, () => api.create(spec));
  if (created) return 'created';
  if (obj.kind === 'Namespace') return 'kept';
  const current = (await api.read(obj as Parameters<typeof api.read>[0])) as unknown as HubObject;
  const roleRef = (o: HubObject) => JSON.stringify(o.roleRef ?? null);
  if (roleRef(current) !== roleRef(obj)) {
    // A binding's role cannot be changed in place.
    await api.delete(spec);
    await api.create(spec);
    return 'replaced (its role had changed)';
  }
  const { resourceVersion } = (current as k8s.KubernetesObject).metadata ?? {};
  await api.replace({ ...spec, metadata: { ...spec.metadata, ...(resourceVersion && { resourceVersion }) } } as k8s.KubernetesObject);
  return 'updated';
}

function describe(obj: HubObject): string {
  return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
}

/** The call's answer, or `undefined` when the hub answered `code`. */
async function ignore<T>(code: number, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof k8s.ApiException && err.code === code) return undefined;
    throw err;
  }
}
