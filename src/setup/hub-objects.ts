import { clusterRolesRead } from '../domain/doctor';
import { accountsGroup, RBAC_GROUP, roleHomes, type RoleHome } from '../domain/identity';
import type { Policy } from '../domain/policy';

/** The bot's own ServiceAccount on the hub, in its home namespace (never in a role namespace). */
export const BOT_ACCOUNT = 'karpor-token-bot';
/**
 * Beside it, bound to no role: the check-up asks a short-lived token for it to learn the hub's
 * token maximum, and such a token allows nothing even if it leaked.
 */
export const PROBE_ACCOUNT = 'karpor-token-probe';
/** The Secret the bot's own tokens are bound to: deleting it revokes them all. */
export const CREDENTIAL_ANCHOR = 'karpor-token-bot-credential';
export const ANCHOR_TYPE = 'karpor.io/credential-anchor';

export interface HubObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const LABELS = { 'app.kubernetes.io/name': 'karpor-token-bot', 'app.kubernetes.io/managed-by': 'karpor-token-bot' };

const meta = (name: string, namespace?: string) => ({ name, ...(namespace && { namespace }), labels: { ...LABELS } });

/** The ClusterRoleBinding that gives the bot its cluster-wide reads: one per home namespace. */
export function botBindingName(home: string): string {
  return `karpor-token-bot:${home}`;
}

/**
 * Everything the bot needs on the hub for a policy, as the setup step applies it with Karpor's
 * admin kubeconfig. The bot itself may then create ServiceAccounts, their tokens and Secrets in
 * the role namespaces, keep its requests in its home namespace, renew its own token, ask a token
 * for its probe account, and read ClusterRoleBindings and the ClusterRoles it hands out; it can
 * bind nothing.
 */
export function hubObjects(policy: Pick<Policy, 'identity' | 'roles'>, home: string): HubObject[] {
  const homes = roleHomes(policy);
  const clash = homes.find((h) => h.namespace === home);
  if (clash) throw new Error(`the bot's namespace ${home} is also role ${clash.alias}'s namespace: choose another`);
  const account = { kind: 'ServiceAccount', name: BOT_ACCOUNT, namespace: home };
  return [
    namespace(home),
    ...homes.map((h) => namespace(h.namespace)),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(BOT_ACCOUNT, home), automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(PROBE_ACCOUNT, home), automountServiceAccountToken: false },
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: meta('karpor-token-bot'),
      rules: [
        // Watched, so that a changed or added binding is noticed before the next token.
        { apiGroups: [RBAC_GROUP], resources: ['clusterrolebindings'], verbs: ['list', 'watch'] },
        // What Karpor's preset roles and the policy's roles allow: the check-up compares them
        // with Karpor's defaults, the approval card summarises them. Reading only, and only these.
        { apiGroups: [RBAC_GROUP], resources: ['clusterroles'], verbs: ['get'], resourceNames: clusterRolesRead(policy) },
        // Whether the hub enforces RBAC at all (EnableRBAC): tokens protect nothing when it does not.
        { nonResourceURLs: ['/server-configs'], verbs: ['get'] },
      ],
    },
    binding('ClusterRoleBinding', botBindingName(home), undefined, { kind: 'ClusterRole', name: 'karpor-token-bot' }, [account]),
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'Role',
      metadata: meta('karpor-token-bot', home),
      rules: [
        // Access requests.
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] },
        // A fresh token for itself and for its probe account, and for no other account.
        { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: [BOT_ACCOUNT, PROBE_ACCOUNT] },
      ],
    },
    binding('RoleBinding', 'karpor-token-bot', home, { kind: 'Role', name: 'karpor-token-bot' }, [account]),
    ...homes.flatMap((h) => roleObjects(h, account)),
  ];
}

function roleObjects(home: RoleHome, account: { kind: string; name: string; namespace: string }): HubObject[] {
  return [
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'Role',
      metadata: meta('karpor-token-bot', home.namespace),
      rules: [
        { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch', 'create'] },
        { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
        // Grants: a token's bound object must be in its ServiceAccount's namespace.
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] },
      ],
    },
    binding('RoleBinding', 'karpor-token-bot', home.namespace, { kind: 'Role', name: 'karpor-token-bot' }, [account]),
    // The role, by membership, for every ServiceAccount in the namespace.
    binding('ClusterRoleBinding', home.binding, undefined, { kind: 'ClusterRole', name: home.clusterRole }, [{ kind: 'Group', apiGroup: RBAC_GROUP, name: accountsGroup(home.namespace) }]),
  ];
}

function namespace(name: string): HubObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: meta(name) };
}

function binding(kind: string, name: string, ns: string | undefined, role: { kind: string; name: string }, subjects: object[]): HubObject {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind, metadata: meta(name, ns), roleRef: { apiGroup: RBAC_GROUP, ...role }, subjects };
}
