import type { BreakGlassPolicy } from './break-glass';
import type { Refusal } from './messages';

/** The minimum lifetime of a TokenRequest on Kubernetes. */
export const MIN_SECONDS = 600;

export interface Audience {
  /** Slack user-group IDs (`S…`) or handles. */
  groups: string[];
  /** Slack user IDs; the only way to name people on workspaces without user groups. */
  users: string[];
}

export interface ApprovalPolicy extends Audience {
  count: number;
  timeoutSeconds: number;
  reasonRequired: boolean;
}

export interface RolePolicy {
  alias: string;
  clusterRole: string;
  allowed: Audience;
  defaultSeconds: number;
  maxSeconds: number;
  approval: ApprovalPolicy | null;
  /** Who may take the role at once, unapproved, for a short time (see break-glass.ts). */
  breakGlass?: BreakGlassPolicy;
}

export type IdentityMode = 'shared' | 'per-user';

export interface Policy {
  roles: RolePolicy[];
  identity: { mode: IdentityMode; prefix: string };
  /** Channel for approval cards; approvers get DMs when it is not set. */
  approvalsChannel?: string;
  /** Besides approvers, who may revoke other people's grants. */
  revokers: Audience;
  /** Channel that gets a line per grant and request event (never a token). */
  auditChannel?: string;
}

/** A person as the policy sees them: a Slack user ID and the user groups they are in. */
export interface Person {
  userId: string;
  /** Both IDs and handles of the person's groups. */
  groups: ReadonlySet<string>;
}

export function inAudience(audience: Audience, person: Person): boolean {
  return audience.users.includes(person.userId) || audience.groups.some((g) => person.groups.has(g));
}

export function roleByAlias(policy: Policy, alias: string): RolePolicy | undefined {
  return policy.roles.find((r) => r.alias === alias);
}

export function rolesFor(policy: Policy, person: Person): RolePolicy[] {
  return policy.roles.filter((r) => inAudience(r.allowed, person));
}

export function canApprove(role: RolePolicy, person: Person): boolean {
  return role.approval !== null && inAudience(role.approval, person);
}

export function canRevokeOthers(policy: Policy, person: Person): boolean {
  return inAudience(policy.revokers, person) || policy.roles.some((r) => canApprove(r, person));
}

export type Decision =
  | { kind: 'refused'; reason: Refusal }
  | { kind: 'grant'; role: RolePolicy; seconds: number }
  | { kind: 'needs-approval'; role: RolePolicy; seconds: number; reason?: string; needsReason: boolean };

export interface Ask {
  role: string;
  seconds?: number;
  reason?: string;
}

/** Who may get which role for how long: the whole policy decision, no I/O. */
export function decide(policy: Policy, person: Person, ask: Ask): Decision {
  const mine = rolesFor(policy, person);
  const role = roleByAlias(policy, ask.role);
  if (!role) {
    return refuse({ kind: 'no-such-role', role: ask.role, mine });
  }
  if (!mine.includes(role)) {
    return refuse({ kind: 'not-allowed', role: role.alias, mine });
  }
  const seconds = ask.seconds ?? role.defaultSeconds;
  if (seconds < MIN_SECONDS) {
    return refuse({ kind: 'too-short', seconds });
  }
  if (seconds > role.maxSeconds) {
    return refuse({ kind: 'too-long', role: role.alias, maxSeconds: role.maxSeconds, seconds });
  }
  if (role.approval) {
    return { kind: 'needs-approval', role, seconds, ...(ask.reason && { reason: ask.reason }), needsReason: role.approval.reasonRequired && !ask.reason };
  }
  return { kind: 'grant', role, seconds };
}

const refuse = (reason: Refusal): Decision => ({ kind: 'refused', reason });
