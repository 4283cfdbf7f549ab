import { isLive, type Grant } from './grant';
import { inAudience, rolesFor, type Person, type Policy, type RolePolicy } from './policy';

/** Slack user groups by user ID (IDs and handles), as one successful look-up saw them. */
export type Membership = ReadonlyMap<string, ReadonlySet<string>>;

const NO_GROUPS: ReadonlySet<string> = new Set();

export function personIn(membership: Membership, userId: string): Person {
  return { userId, groups: membership.get(userId) ?? NO_GROUPS };
}

/** The people who may have fewer roles now than before. */
export function whoLostRoles(policy: Policy, before: Membership, after: Membership): string[] {
  return [...before.keys()].filter((userId) => {
    const now = entitlements(policy, personIn(after, userId));
    return entitlements(policy, personIn(before, userId)).some((e) => !now.includes(e));
  });
}

/** What a person may hold: a role by its groups, or its break-glass by the break-glass audience. */
function entitlements(policy: Policy, person: Person): string[] {
  return [
    ...rolesFor(policy, person).map((r) => r.alias),
    ...policy.roles.filter((r) => r.breakGlass && inAudience(r.breakGlass, person)).map((r) => `${r.alias} break-glass`),
  ];
}

function entitledTo(policy: Policy, person: Person, grant: Grant): boolean {
  const role: RolePolicy | undefined = policy.roles.find((r) => r.alias === grant.role);
  if (!role) return false;
  if (rolesFor(policy, person).includes(role)) return true;
  return Boolean(grant.breakGlass && role.breakGlass && inAudience(role.breakGlass, person));
}

/**
 * Continuous entitlement: the live grants whose owner may no longer have their role, by the
 * membership of a successful look-up (a failed one decides nothing).
 */
export function grantsBeyondEntitlement(policy: Policy, grants: readonly Grant[], after: Membership, now: Date): Grant[] {
  return grants.filter((g) => isLive(g, now) && !entitledTo(policy, personIn(after, g.userId), g));
}
