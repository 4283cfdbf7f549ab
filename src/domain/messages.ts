import type { BreakGlassMessage } from './break-glass';
import type { Finding } from './doctor';
import type { Grant } from './grant';
import type { RolePolicy } from './policy';
import type { AccessRequest } from './request';

/**
 * What the bot tells a person, as data: the domain decides what is said, the chat adapter words
 * it (src/slack/text/answers.ts). Nothing here is markup.
 */
export type Message = InputProblem | Refusal | StepRefusal | Answer | Notification | BreakGlassMessage;

/** What is wrong with what a person typed. */
export type InputProblem =
  | { kind: 'command-too-long'; length: number; max: number }
  | { kind: 'reason-needs-role' }
  | { kind: 'takes-nothing'; word: 'help' | 'status' | 'doctor' | 'selftest' }
  | { kind: 'not-a-role'; word: string }
  | { kind: 'unexpected-after-duration'; word: string }
  | DurationProblem
  | { kind: 'empty-reason' }
  | { kind: 'reason-too-long'; length: number; max: number }
  | { kind: 'revoke-takes-no-reason' }
  | { kind: 'revoke-takes-one-thing' }
  | { kind: 'not-a-grant-id'; word: string };

export type DurationProblem = { kind: 'not-a-duration'; word: string } | { kind: 'zero-duration' };

/** Why the policy says no. `mine` is what the person may ask for instead. */
export type Refusal =
  | { kind: 'no-such-role'; role: string; mine: RolePolicy[] }
  | { kind: 'not-allowed'; role: string; mine: RolePolicy[] }
  | { kind: 'too-short'; seconds: number }
  | { kind: 'too-long'; role: string; maxSeconds: number; seconds: number };

/** Why an access request cannot take a step now. */
export type StepRefusal =
  | { kind: 'own-request'; step: 'approve' | 'deny' }
  | { kind: 'not-an-approver'; role: string; step: 'approve' | 'deny' }
  | { kind: 'approved-already'; more: number }
  | { kind: 'not-the-requester' }
  | { kind: 'request-expired'; expiresAt: Date; now: Date }
  | { kind: 'request-decided'; request: AccessRequest }
  | { kind: 'not-in-state'; state: string; expected: 'pending' | 'approved' }
  | { kind: 'not-expired-yet' }
  | { kind: 'no-such-request' }
  | { kind: 'role-gone'; role: string };

/** The answer to a person's own command or click. */
export type Answer =
  | { kind: 'issued'; role: string; expiresAt?: Date; now: Date }
  | { kind: 'help'; mine: RolePolicy[]; hubAcceptsAnyToken: boolean }
  | { kind: 'status'; grants: Grant[]; requests: AccessRequest[]; now: Date }
  | { kind: 'unknown-grant'; askAgain: boolean }
  | { kind: 'grant-expired' }
  | { kind: 'revoked-by-policy'; role: string }
  | { kind: 'shown-again' }
  | { kind: 'revoking-others-refused' }
  | { kind: 'revoked-all'; owner: string; self: boolean; count: number; requests: number }
  | { kind: 'no-grant-to-revoke'; grantId: string }
  | { kind: 'revoked'; grant: Grant }
  | { kind: 'needs-reason'; role: string; seconds: number }
  | { kind: 'request-pending'; request: AccessRequest }
  | { kind: 'too-many-open-requests'; open: number; max: number }
  | { kind: 'approval-recorded'; more: number }
  | { kind: 'approved'; requester: string }
  | { kind: 'denied' }
  | { kind: 'cancelled' }
  /** A form whose hidden fields no longer make sense (an old modal). */
  | { kind: 'form-expired' }
  /** Request-card buttons clicked faster than the per-person limit. */
  | { kind: 'clicking-too-fast'; waitSeconds: number }
  /** The hub's RBAC for the role is not what the bot set up: nothing was issued, the administrators are alerted. */
  | { kind: 'role-mismatch'; role: string; problem: string; ref: string }
  | { kind: 'failed'; error: unknown; ref: string }
  /** The check-up's findings, one per check. */
  | { kind: 'doctor'; findings: Finding[]; now: Date }
  | { kind: 'doctor-refused' };

/** A lasting DM about something someone else (or time) did. */
export type Notification =
  | { kind: 'your-grants-revoked'; by: string; count: number; requests: number }
  | { kind: 'your-grant-revoked'; by: string; grant: Grant }
  /** The person left every group that allows the grant's role. */
  | { kind: 'your-grant-ended-by-membership'; grant: Grant }
  | { kind: 'your-request-denied'; by: string; request: AccessRequest; reason: string }
  | { kind: 'your-request-expired'; request: AccessRequest }
  | { kind: 'your-request-delivered'; request: AccessRequest }
  | { kind: 'your-request-failed'; request: AccessRequest };
