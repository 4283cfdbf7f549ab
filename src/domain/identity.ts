import type { Policy, RolePolicy } from './policy';

/**
 * Where a role's tokens come from on the hub. Every role has a namespace of its own, and one
 * ClusterRoleBinding gives the role to the group of that namespace's ServiceAccounts: an account
 * the bot makes there holds the role by membership, so the bot never needs to bind anything.
 */
export interface RoleHome {
  alias: string;
  clusterRole: string;
  /** `karpor-guests`: only the bot's ServiceAccounts and grants live here. */
  namespace: string;
  /** The ClusterRoleBinding that gives `clusterRole` to the namespace's accounts (named like the namespace). */
  binding: string;
}

export function roleNamespace(identity: Policy['identity'], alias: string): string {
  return `${identity.prefix}-${alias}s`;
}

export function roleHome(identity: Policy['identity'], role: Pick<RolePolicy, 'alias' | 'clusterRole'>): RoleHome {
  const namespace = roleNamespace(identity, role.alias);
  return { alias: role.alias, clusterRole: role.clusterRole, namespace, binding: namespace };
}

export function roleHomes(policy: Pick<Policy, 'identity' | 'roles'>): RoleHome[] {
  return policy.roles.map((r) => roleHome(policy.identity, r));
}

/** The group Kubernetes puts every ServiceAccount of `namespace` in. */
export function accountsGroup(namespace: string): string {
  return `system:serviceaccounts:${namespace}`;
}

/**
 * The ServiceAccount a role is issued through, in its role's namespace: one per role in shared
 * mode (`karpor-guest`, the seed's name), one per role and person in per-user mode
 * (`karpor-guest-u04abcd`), so that Karpor's own logs can tell people apart.
 */
export function serviceAccountName(identity: Policy['identity'], alias: string, userId: string): string {
  const shared = `${identity.prefix}-${alias}`;
  return identity.mode === 'per-user' ? `${shared}-${userId.toLowerCase()}` : shared;
}

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** A ClusterRoleBinding as far as these checks read it. */
export interface BindingView {
  name: string;
  roleRef: { apiGroup?: string; kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string; apiGroup?: string }>;
}

/**
 * Roles the API server itself gives every authenticated identity or every ServiceAccount (its
 * bootstrap bindings): they reach a role's accounts too, and grant nothing of Karpor's.
 */
const EVERYONES_ROLES = new Set(['system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:service-account-issuer-discovery']);
const BROAD_GROUPS = new Set(['system:authenticated', 'system:serviceaccounts']);

/** Whether a subject takes in the ServiceAccounts of `namespace`, and how broadly. */
function reach(subject: NonNullable<BindingView['subjects']>[number], namespace: string): 'none' | 'namespace' | 'everyone' {
  if (subject.kind === 'Group' && subject.name === accountsGroup(namespace)) return 'namespace';
  if (subject.kind === 'Group' && BROAD_GROUPS.has(subject.name)) return 'everyone';
  if (subject.kind === 'ServiceAccount' && subject.namespace === namespace) return 'namespace';
  if (subject.kind === 'User' && subject.name.startsWith(`system:serviceaccount:${namespace}:`)) return 'namespace';
  return 'none';
}

const describe = (s: NonNullable<BindingView['subjects']>[number]) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;

/**
 * Why the hub's ClusterRoleBindings do not give a role's accounts exactly that role, or
 * `undefined` when they do: the role's binding must be there and grant only the role to only
 * the namespace's group, and no other binding may give those accounts anything else.
 */
export function bindingProblem(home: RoleHome, bindings: Iterable<BindingView>): string | undefined {
  let own: BindingView | undefined;
  const extra: string[] = [];
  for (const b of bindings) {
    if (b.name === home.binding) {
      own = b;
      continue;
    }
    const sameRole = b.roleRef.kind === 'ClusterRole' && b.roleRef.name === home.clusterRole;
    for (const s of b.subjects ?? []) {
      const how = reach(s, home.namespace);
      if (how === 'none' || sameRole || (how === 'everyone' && b.roleRef.kind === 'ClusterRole' && EVERYONES_ROLES.has(b.roleRef.name))) continue;
      extra.push(`ClusterRoleBinding ${b.name} also gives ${describe(s)} ${b.roleRef.kind} ${b.roleRef.name}`);
      break;
    }
  }
  if (!own) return `ClusterRoleBinding ${home.binding} is missing: run setup-hub again`;
  const ref = own.roleRef;
  if (ref.kind !== 'ClusterRole' || ref.name !== home.clusterRole || ref.apiGroup !== RBAC_GROUP) {
    return `ClusterRoleBinding ${home.binding} binds ${ref.kind} ${ref.name}, not ClusterRole ${home.clusterRole}`;
  }
  const subjects = own.subjects ?? [];
  const only = subjects.length === 1 ? subjects[0] : undefined;
  if (!only || only.kind !== 'Group' || only.name !== accountsGroup(home.namespace)) {
    return `ClusterRoleBinding ${home.binding} binds ${subjects.map(describe).join(', ') || 'nobody'}, not only Group ${accountsGroup(home.namespace)}`;
  }
  return extra.length > 0 ? extra.sort().join('; ') : undefined;
}
