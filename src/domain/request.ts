import { canApprove, type Person, type RolePolicy } from './policy';
import { relative, utc } from './grant';

/**
 * The life of an access request:
 *   pending ─approve (count reached)→ approved ─token delivered→ delivered
 *      │                                  └─delivery failed→ failed
 *      ├─deny→ denied   ├─cancel→ cancelled   └─timeout→ expired
 * Every function here is pure: it returns the next request or why not. Stores apply them with
 * compare-and-swap, so the first writer wins and the loser re-reads the winner.
 */
export type RequestState = 'pending' | 'approved' | 'denied' | 'cancelled' | 'expired' | 'delivered' | 'failed';

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
  /** Approval cards, so that every copy can be redrawn. */
  cards: Array<{ channel: string; ts: string }>;
  /** Owned by the store: what compare-and-swap compares. */
  version?: string;
}

export type NewAccessRequest = Omit<AccessRequest, 'version'>;

export type Step = { ok: true; next: AccessRequest } | { ok: false; reason: string };

export function approve(req: AccessRequest, approver: Person, role: RolePolicy, now: Date): Step {
  const closed = notOpen(req, now);
  if (closed) return closed;
  if (approver.userId === req.requester) return no('You cannot approve your own request.');
  if (!canApprove(role, approver)) return no(`Only members of the approver groups of \`${role.alias}\` can approve this request.`);
  if (req.approvals.some((a) => a.userId === approver.userId)) return no(`You have already approved this request; it needs ${role.approval!.count - req.approvals.length} more approval(s).`);
  const approvals = [...req.approvals, { userId: approver.userId, at: now }];
  if (approvals.length < role.approval!.count) return ok({ ...req, approvals });
  return ok({ ...req, approvals, state: 'approved', decidedBy: approver.userId, decidedAt: now });
}

export function deny(req: AccessRequest, approver: Person, role: RolePolicy, reason: string, now: Date): Step {
  const closed = notOpen(req, now);
  if (closed) return closed;
  if (approver.userId === req.requester) return no('You cannot decide on your own request; use Cancel to withdraw it.');
  if (!canApprove(role, approver)) return no(`Only members of the approver groups of \`${role.alias}\` can deny this request.`);
  return ok({ ...req, state: 'denied', decidedBy: approver.userId, decidedAt: now, denyReason: reason });
}

export function cancel(req: AccessRequest, userId: string, now: Date): Step {
  if (userId !== req.requester) return no('Only the person who asked can cancel this request.');
  const closed = notOpen(req, now);
  if (closed) return closed;
  return ok({ ...req, state: 'cancelled', decidedBy: userId, decidedAt: now });
}

export function expire(req: AccessRequest, now: Date): Step {
  if (req.state !== 'pending') return no(`The request is ${req.state}, not pending.`);
  if (now < req.expiresAt) return no('The request has not expired yet.');
  return ok({ ...req, state: 'expired', decidedAt: now });
}

export function delivered(req: AccessRequest, grantId: string, tokenExpiresAt: Date): Step {
  if (req.state !== 'approved') return no(`The request is ${req.state}, not approved.`);
  return ok({ ...req, state: 'delivered', grantId, tokenExpiresAt });
}

export function failed(req: AccessRequest, failure: string): Step {
  if (req.state !== 'approved') return no(`The request is ${req.state}, not approved.`);
  return ok({ ...req, state: 'failed', failure });
}

/** Why a request can no longer be decided, told so that the loser of a race knows who won. */
export function notOpen(req: AccessRequest, now: Date): Step | undefined {
  if (req.state === 'pending' && now >= req.expiresAt) return no(`This request expired ${relative(req.expiresAt, now)} without a decision.`);
  if (req.state === 'pending') return undefined;
  return no(`This request was already ${outcome(req)}.`);
}

export function outcome(req: AccessRequest): string {
  const by = req.decidedBy ? ` by <@${req.decidedBy}>` : '';
  const at = req.decidedAt ? ` at ${utc(req.decidedAt)}` : '';
  switch (req.state) {
    case 'approved':
    case 'delivered':
    case 'failed':
      return `approved${by}${at}`;
    case 'pending':
      return 'pending';
    case 'expired':
      return `expired${at}`;
    default:
      return `${req.state}${by}${at}`;
  }
}

const ok = (next: AccessRequest): Step => ({ ok: true, next });
const no = (reason: string): Step => ({ ok: false, reason });
