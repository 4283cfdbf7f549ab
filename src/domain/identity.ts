import type { Policy } from './policy';

/**
 * The ServiceAccount (and ClusterRoleBinding of the same name) a role is issued through:
 * the seed's `karpor-guest` in shared mode, `karpor-guest-u04abcd` per person in per-user mode,
 * so that Karpor's own logs can tell people apart.
 */
export function serviceAccountName(identity: Policy['identity'], alias: string, userId: string): string {
  const shared = `${identity.prefix}-${alias}`;
  return identity.mode === 'per-user' ? `${shared}-${userId.toLowerCase()}` : shared;
}
