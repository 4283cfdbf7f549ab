import { isLive, type Grant } from './grant';
import { rolesFor, type Person, type Policy } from './policy';

/** Slack user groups by user ID (IDs and handles), as one successful look-up saw them. */
export type Membership = ReadonlyMap<string, ReadonlySet<string>>;

const NO_GROUPS: ReadonlySet<string> = new Set();

export function personIn(membership: Membership, userId: string): Person {
  return { userId, groups: membership.get(userId) ?? NO_GROUPS };
}

/** The people who may have fewer roles now than before. */
export function whoLostRoles(policy: Policy, before: Membership, after: Membership): string[] {
  return [...before.keys()].filter((userId) => {
    const now = rolesFor(policy, personIn(after, userId));
    return rolesFor(policy, personIn(before, userId)).some((role) => !now.includes(role));
  });
}

/**
 * Continuous entitlement: the live grants whose owner may no longer have their role, by the
 * membership of a successful look-up (a failed one decides nothing).
 */
export function grantsBeyondEntitlement(policy: Policy, grants: readonly Grant[], after: Membership, now: Date): Grant[] {
  return grants.filter((g) => isLive(g, now) && !rolesFor(policy, personIn(after, g.userId)).some((role) => role.alias === g.role));
}
