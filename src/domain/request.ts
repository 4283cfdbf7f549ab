import { canApprove, type Person, type RolePolicy } from './policy';
import type { RoleSummary } from './role-rules';
import type { StepRefusal } from './messages';

/**
 * The life of an access request:
 *   pending ─approve (count reached)→ approved ─token delivered→ delivered
 *      │                                  └─delivery failed→ failed
 *      ├─deny→ denied   ├─cancel→ cancelled   └─timeout→ expired
 *   pending, approved ─withdraw (the person's access revoked)→ cancelled
 * Every function here is pure: it returns the next request or why not. Stores apply them with
 * compare-and-swap, so the first writer wins and the loser re-reads the winner.
 */
export type RequestState = 'pending' | 'approved' | 'denied' | 'cancelled' | 'expired' | 'delivered' | 'failed';
/** The states in which a request still waits for something. */
export type OpenState = 'pending' | 'approved';
export const OPEN_STATES: readonly OpenState[] = ['pending', 'approved'];

export interface AccessRequest {
  id: string;
  requester: string;
  role: string;
  seconds: number;
  reason?: string;
  state: RequestState;
  createdAt: Date;
  /** When a pending request expires unanswered. */
  expiresAt: Date;
  approvals: Array<{ userId: string; at: Date }>;
  decidedBy?: string;
  decidedAt?: Date;
  denyReason?: string;
  grantId?: string;
  tokenExpiresAt?: Date;
  failure?: string;
  /** The replica delivering an approved request, so that no other issues it too. */
  claim?: { instance: string; at: Date };
  /** What the role's ClusterRole allowed when the request was made; null when the hub could not say. */
  allows?: RoleSummary | null;
  /** Approval cards, so that every copy can be redrawn. */
  cards: Array<{ channel: string; ts: string }>;
  /** Owned by the store: what compare-and-swap compares. */
  version?: string;
}

export type NewAccessRequest = Omit<AccessRequest, 'version'>;

export type Step = { ok: true; next: AccessRequest } | { ok: false; reason: StepRefusal };

export function approve(req: AccessRequest, approver: Person, role: RolePolicy, now: Date): Step {
  const closed = notOpen(req, now);
  if (closed) return closed;
  if (approver.userId === req.requester) return no({ kind: 'own-request', step: 'approve' });
  if (!canApprove(role, approver)) return no({ kind: 'not-an-approver', role: role.alias, step: 'approve' });
  if (req.approvals.some((a) => a.userId === approver.userId)) return no({ kind: 'approved-already', more: role.approval!.count - req.approvals.length });
  const approvals = [...req.approvals, { userId: approver.userId, at: now }];
  if (approvals.length < role.approval!.count) return ok({ ...req, approvals });
  return ok({ ...req, approvals, state: 'approved', decidedBy: approver.userId, decidedAt: now });
}

export function deny(req: AccessRequest, approver: Person, role: RolePolicy, reason: string, now: Date): Step {
  const closed = notOpen(req, now);
  if (closed) return closed;
  if (approver.userId === req.requester) return no({ kind: 'own-request', step: 'deny' });
  if (!canApprove(role, approver)) return no({ kind: 'not-an-approver', role: role.alias, step: 'deny' });
  return ok({ ...req, state: 'denied', decidedBy: approver.userId, decidedAt: now, denyReason: reason });
}

export function cancel(req: AccessRequest, userId: string, now: Date): Step {
  if (userId !== req.requester) return no({ kind: 'not-the-requester' });
  const closed = notOpen(req, now);
  if (closed) return closed;
  return ok({ ...req, state: 'cancelled', decidedBy: userId, decidedAt: now });
}

/** Revoking a person's access ends their open requests too: pending ones, and approved ones not yet delivered. */
export function withdraw(req: AccessRequest, by: string, now: Date): Step {
  if (req.state !== 'pending' && req.state !== 'approved') return no({ kind: 'request-decided', request: req });
  return ok({ ...req, state: 'cancelled', decidedBy: by, decidedAt: now });
}

export function expire(req: AccessRequest, now: Date): Step {
  if (req.state !== 'pending') return no({ kind: 'not-in-state', state: req.state, expected: 'pending' });
  if (now < req.expiresAt) return no({ kind: 'not-expired-yet' });
  return ok({ ...req, state: 'expired', decidedAt: now });
}

export function delivered(req: AccessRequest, grantId: string, tokenExpiresAt: Date): Step {
  if (req.state !== 'approved') return no({ kind: 'not-in-state', state: req.state, expected: 'approved' });
  return ok({ ...req, state: 'delivered', grantId, tokenExpiresAt });
}

export function failed(req: AccessRequest, failure: string): Step {
  if (req.state !== 'approved') return no({ kind: 'not-in-state', state: req.state, expected: 'approved' });
  return ok({ ...req, state: 'failed', failure });
}

/** What is kept of a finished request: enough to know when its retention ends. */
export type FinishedRequest = Pick<AccessRequest, 'id' | 'state' | 'expiresAt' | 'decidedAt'>;

/** A finished request (no step can change it) whose end is longer ago than `keepSeconds`. */
export function pastRetention(req: FinishedRequest, now: Date, keepSeconds: number): boolean {
  if (req.state === 'pending' || req.state === 'approved') return false;
  const ended = req.decidedAt ?? req.expiresAt;
  return now.getTime() - ended.getTime() > keepSeconds * 1000;
}

/** Why a request can no longer be decided, told so that the loser of a race knows who won. */
export function notOpen(req: AccessRequest, now: Date): Step | undefined {
  if (req.state === 'pending' && now >= req.expiresAt) return no({ kind: 'request-expired', expiresAt: req.expiresAt, now });
  if (req.state === 'pending') return undefined;
  return no({ kind: 'request-decided', request: req });
}

const ok = (next: AccessRequest): Step => ({ ok: true, next });
const no = (reason: StepRefusal): Step => ({ ok: false, reason });
