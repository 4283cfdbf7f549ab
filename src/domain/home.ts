import { isLive, type Grant } from './grant';
import { canApprove, rolesFor, roleByAlias, type Person, type Policy, type RolePolicy } from './policy';
import type { AccessRequest } from './request';

/** What a person's Home tab shows: their grants and requests, what waits for them, what they may ask for. */
export interface Home {
  userId: string;
  mine: RolePolicy[];
  grants: Grant[];
  requests: AccessRequest[];
  /** Open requests this person may approve (not their own, not approved by them already). */
  waiting: AccessRequest[];
  /** Whether the person approves any role (the section is shown even when nothing waits). */
  approver: boolean;
  now: Date;
}

/** The Home of one person from the hub's grants and the open requests; no I/O. */
export function homeOf(policy: Policy, person: Person, grants: Grant[], pending: AccessRequest[], now: Date): Home {
  const open = pending.filter((r) => r.state === 'pending' && r.expiresAt > now);
  const byAge = (a: { createdAt?: Date; grantedAt?: Date }, b: { createdAt?: Date; grantedAt?: Date }) =>
    (a.createdAt ?? a.grantedAt ?? now).getTime() - (b.createdAt ?? b.grantedAt ?? now).getTime();
  const mayApprove = (r: AccessRequest) => {
    const role = roleByAlias(policy, r.role);
    return role !== undefined && canApprove(role, person) && r.requester !== person.userId && !r.approvals.some((a) => a.userId === person.userId);
  };
  return {
    userId: person.userId,
    mine: rolesFor(policy, person),
    grants: grants.filter((g) => g.userId === person.userId && isLive(g, now)).sort(byAge),
    requests: open.filter((r) => r.requester === person.userId).sort(byAge),
    waiting: open.filter(mayApprove).sort(byAge),
    approver: policy.roles.some((r) => canApprove(r, person)),
    now,
  };
}

/** Whose Home an audited change touches: the person it is about, and for requests the role's approvers. */
export function homesTouched(event: { event: string; user?: unknown; role?: unknown }): { userId?: string; approversOf?: string } {
  const userId = typeof event.user === 'string' ? event.user : undefined;
  const role = typeof event.role === 'string' ? event.role : undefined;
  const touchesApprovers = event.event.startsWith('request.') || event.event.startsWith('break-glass.') || event.event === 'grant.break-glass';
  return { ...(userId && { userId }), ...(touchesApprovers && role && { approversOf: role }) };
}
