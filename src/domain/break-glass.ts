import type { Grant } from './grant';
import { inAudience, MIN_SECONDS, roleByAlias, rolesFor, type Audience, type Person, type Policy, type RolePolicy } from './policy';

/**
 * Break-glass: a role may let named people take it at once, without waiting for approval, for a
 * short time; an approver must confirm it within `confirmWithinSeconds` or it is revoked.
 */
export interface BreakGlassPolicy extends Audience {
  maxSeconds: number;
  confirmWithinSeconds: number;
}

/** What is said about break-glass (worded in src/slack/text/break-glass.ts). */
export type BreakGlassMessage =
  | { kind: 'break-glass-needs-reason' }
  | { kind: 'no-break-glass'; role: string }
  | { kind: 'break-glass-not-allowed'; role: string }
  | { kind: 'break-glass-too-long'; role: string; maxSeconds: number; seconds: number }
  | { kind: 'break-glass-issued'; role: string; expiresAt: Date; confirmBy: Date; now: Date }
  | { kind: 'break-glass-confirmed'; grant: Grant }
  | { kind: 'not-break-glass' }
  | { kind: 'break-glass-already-confirmed'; by: string }
  | { kind: 'own-break-glass' }
  | { kind: 'not-a-confirmer'; role: string }
  | { kind: 'break-glass-gone' }
  | { kind: 'your-break-glass-confirmed'; by: string; grant: Grant }
  | { kind: 'your-break-glass-revoked'; grant: Grant };

export type BreakGlassDecision =
  | { kind: 'refused'; reason: BreakGlassMessage | { kind: 'no-such-role'; role: string; mine: RolePolicy[] } | { kind: 'too-short'; seconds: number } }
  | { kind: 'grant'; role: RolePolicy; seconds: number; confirmWithinSeconds: number };

/** Who may confirm a role's break-glass: its approvers, or the policy's revokers when it has none. */
export function confirmers(policy: Policy, role: RolePolicy): Audience {
  return role.approval ?? policy.revokers;
}

/** Whether this person may take this role by break-glass now, for how long; no I/O. */
export function decideBreakGlass(policy: Policy, person: Person, ask: { role: string; seconds?: number; reason?: string }): BreakGlassDecision {
  const role = roleByAlias(policy, ask.role);
  if (!role) return { kind: 'refused', reason: { kind: 'no-such-role', role: ask.role, mine: rolesFor(policy, person) } };
  const glass = role.breakGlass;
  if (!glass) return { kind: 'refused', reason: { kind: 'no-break-glass', role: role.alias } };
  if (!inAudience(glass, person)) return { kind: 'refused', reason: { kind: 'break-glass-not-allowed', role: role.alias } };
  if (!ask.reason) return { kind: 'refused', reason: { kind: 'break-glass-needs-reason' } };
  const seconds = ask.seconds ?? glass.maxSeconds;
  if (seconds < MIN_SECONDS) return { kind: 'refused', reason: { kind: 'too-short', seconds } };
  if (seconds > glass.maxSeconds) return { kind: 'refused', reason: { kind: 'break-glass-too-long', role: role.alias, maxSeconds: glass.maxSeconds, seconds } };
  return { kind: 'grant', role, seconds, confirmWithinSeconds: glass.confirmWithinSeconds };
}

/** Whether `confirmer` may confirm this break-glass grant now. */
export function confirmStep(policy: Policy, grant: Grant | undefined, confirmer: Person, now: Date): { ok: true; role: RolePolicy } | { ok: false; reason: BreakGlassMessage } {
  if (!grant || grant.expiresAt <= now) return { ok: false, reason: { kind: 'break-glass-gone' } };
  if (!grant.breakGlass) return { ok: false, reason: { kind: 'not-break-glass' } };
  if (grant.breakGlass.confirmedBy) return { ok: false, reason: { kind: 'break-glass-already-confirmed', by: grant.breakGlass.confirmedBy } };
  if (grant.userId === confirmer.userId) return { ok: false, reason: { kind: 'own-break-glass' } };
  const role = roleByAlias(policy, grant.role);
  if (!role || !inAudience(confirmers(policy, role), confirmer)) return { ok: false, reason: { kind: 'not-a-confirmer', role: grant.role } };
  // Past the deadline the grant is being revoked; a late click does not save it.
  if (grant.breakGlass.confirmBy <= now) return { ok: false, reason: { kind: 'break-glass-gone' } };
  return { ok: true, role };
}

/** A break-glass grant nobody confirmed in time: it must go. */
export function overdue(grant: Grant, now: Date): boolean {
  return grant.breakGlass !== undefined && !grant.breakGlass.confirmedBy && grant.breakGlass.confirmBy <= now;
}
