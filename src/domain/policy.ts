import { visibleText } from './command';
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

/** The languages the bot speaks (Slack locales are mapped onto these at the chat edge). */
export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Policy {
  roles: RolePolicy[];
  identity: { mode: IdentityMode; prefix: string };
  /** Channel for approval cards; approvers get DMs when it is not set. */
  approvalsChannel?: string;
  /** Besides approvers, who may revoke other people's grants. */
  revokers: Audience;
  /** Channel that gets a line per grant and request event (never a token). */
  auditChannel?: string;
  /** Limits on access requests; `DEFAULT_REQUEST_LIMITS` when not set. */
  requests?: RequestLimits;
  /** For shared surfaces (cards, the audit channel) and people whose Slack language the bot does not speak; English when not set. */
  language?: Language;
}

export interface RequestLimits {
  /** Requests one person may have waiting for approval at once. */
  maxOpenPerPerson: number;
  /** How long a finished request is kept (for the record), then deleted. */
  keepFinishedSeconds: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = { maxOpenPerPerson: 3, keepFinishedSeconds: 30 * 86_400 };

export function requestLimits(policy: Policy): RequestLimits {
  return policy.requests ?? DEFAULT_REQUEST_LIMITS;
}

/** Slack user-group IDs look like this; anything else in the policy is a handle. */
const GROUP_ID = /^S[A-Z0-9]{2,20}$/;

/** The user groups the policy names by handle (which can be renamed and reused; IDs cannot). */
export function groupHandles(policy: Policy): string[] {
  const audiences = [...policy.roles.flatMap((r) => [r.allowed, ...(r.approval ? [r.approval] : []), ...(r.breakGlass ? [r.breakGlass] : [])]), policy.revokers];
  return [...new Set(audiences.flatMap((a) => a.groups))].filter((g) => !GROUP_ID.test(g));
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
    const reason = ask.reason && visibleText(ask.reason);
    return { kind: 'needs-approval', role, seconds, ...(reason && { reason }), needsReason: role.approval.reasonRequired && !reason };
  }
  return { kind: 'grant', role, seconds };
}

const refuse = (reason: Refusal): Decision => ({ kind: 'refused', reason });
