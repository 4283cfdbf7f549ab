import {
  approve,
  cancel,
  deny,
  delivered,
  expire,
  failed,
  notOpen,
  type AccessRequest,
  type RequestState,
  type Step,
} from '../../src/domain/request';
import { outcome, say } from '../../src/slack/text/answers';
import { approvalPolicy, person, rolePolicy, U } from './fakes';

const T0 = new Date('2030-01-01T12:00:00Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);
const OPEN = at(5);
const EXPIRES = at(30);

const single = rolePolicy('admin', { allowed: { groups: ['platform'], users: [] }, approval: approvalPolicy({ groups: ['approvers'], users: ['UBOSS'], count: 1 }) });
const double = rolePolicy('audit', { allowed: { groups: ['platform'], users: [] }, approval: approvalPolicy({ groups: ['approvers'], count: 2 }) });
const noApproval = rolePolicy('guest');

const requesterApprover = person(U.plat, 'platform', 'approvers');
const appr1 = person(U.appr1, 'approvers');
const appr2 = person(U.appr2, 'approvers');
const boss = person('UBOSS');
const stranger = person(U.eng, 'engineers');

function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: 'req0000001',
    requester: U.plat,
    role: 'admin',
    seconds: 3600,
    reason: 'INC-42',
    state: 'pending',
    createdAt: T0,
    expiresAt: EXPIRES,
    approvals: [],
    cards: [{ channel: 'C1', ts: '1.1' }],
    version: '7',
    ...overrides,
  };
}

function next(step: Step): AccessRequest {
  if (!step.ok) throw new Error(`expected the step to succeed: ${say(step.reason)}`);
  return step.next;
}

function refusal(step: Step): string {
  if (step.ok) throw new Error(`expected a refusal, got state ${step.next.state}`);
  return say(step.reason);
}

/** Requests in every state other than pending, as the store would hold them. */
const decidedBy: Record<Exclude<RequestState, 'pending'>, AccessRequest> = {
  approved: request({ state: 'approved', approvals: [{ userId: U.appr1, at: at(3) }], decidedBy: U.appr1, decidedAt: at(3) }),
  delivered: request({ state: 'delivered', approvals: [{ userId: U.appr1, at: at(3) }], decidedBy: U.appr1, decidedAt: at(3), grantId: 'grant00001', tokenExpiresAt: at(63) }),
  failed: request({ state: 'failed', approvals: [{ userId: U.appr1, at: at(3) }], decidedBy: U.appr1, decidedAt: at(3), failure: 'hub down' }),
  denied: request({ state: 'denied', decidedBy: U.appr2, decidedAt: at(4), denyReason: 'not now' }),
  cancelled: request({ state: 'cancelled', decidedBy: U.plat, decidedAt: at(2) }),
  expired: request({ state: 'expired', decidedAt: at(30) }),
};

describe('approve', () => {
  test('one approval of a count-1 role approves', () => {
    const before = request();
    const after = next(approve(before, appr1, single, OPEN));
    expect(after).toEqual({ ...before, state: 'approved', approvals: [{ userId: U.appr1, at: OPEN }], decidedBy: U.appr1, decidedAt: OPEN });
    expect(before.approvals).toEqual([]);
    expect(before.state).toBe('pending');
  });

  test('an approver named by user ID approves', () => {
    expect(next(approve(request(), boss, single, OPEN)).state).toBe('approved');
  });

  test('a count-2 role needs two different approvers', () => {
    const req = request({ role: 'audit' });
    const first = next(approve(req, appr1, double, at(1)));
    expect(first.state).toBe('pending');
    expect(first.approvals).toEqual([{ userId: U.appr1, at: at(1) }]);
    expect(first.decidedBy).toBeUndefined();
    expect(first.decidedAt).toBeUndefined();

    expect(refusal(approve(first, appr1, double, at(2)))).toBe('You have already approved this request; it needs 1 more approval(s).');

    const second = next(approve(first, appr2, double, at(3)));
    expect(second.state).toBe('approved');
    expect(second.approvals).toEqual([
      { userId: U.appr1, at: at(1) },
      { userId: U.appr2, at: at(3) },
    ]);
    expect(second.decidedBy).toBe(U.appr2);
    expect(second.decidedAt).toEqual(at(3));

    expect(refusal(approve(second, appr1, double, at(4)))).toMatch(/^This request was already approved by <@UAPPR02> \(<!date\^1893499380\^\{date_short_pretty\} \{time\}\|2030-01-01 12:03 UTC>\)\.$/);
  });

  test.each<[string, AccessRequest, Parameters<typeof approve>[1], string]>([
    ['self-approval', request({ requester: U.plat }), requesterApprover, 'You cannot approve your own request.'],
    ['self-approval with another approval in', request({ role: 'audit', approvals: [{ userId: U.appr1, at: at(1) }] }), requesterApprover, 'You cannot approve your own request.'],
    ['non-approver', request(), stranger, 'Only members of the approver groups of `admin` can approve this request.'],
    ['approver by a look-alike group', request(), person('UX', 'Approvers'), 'Only members of the approver groups of `admin` can approve this request.'],
    ['double approval by the same person', request({ role: 'audit', approvals: [{ userId: U.appr1, at: at(1) }] }), appr1, 'You have already approved this request; it needs 1 more approval(s).'],
  ])('refuses %s', (_what, req, who, message) => {
    const role = req.role === 'audit' ? double : single;
    expect(refusal(approve(req, who, role, OPEN))).toBe(message);
  });

  test('a role whose approval was removed from the policy cannot be approved', () => {
    expect(refusal(approve(request({ role: 'guest' }), appr1, noApproval, OPEN))).toBe('Only members of the approver groups of `guest` can approve this request.');
  });

  test.each<[string, Date, string]>([
    ['at the deadline', EXPIRES, 'This request expired '],
    ['after the deadline', at(45), 'This request expired <!date^1893501000^{date_short_pretty} {time}|2030-01-01 12:30 UTC> (15m ago) without a decision.'],
    ['long after the deadline', at(30 + 26 * 60), 'This request expired <!date^1893501000^{date_short_pretty} {time}|2030-01-01 12:30 UTC> (1d 2h ago) without a decision.'],
  ])('refuses %s', (_what, now, message) => {
    expect(refusal(approve(request(), appr1, single, now))).toContain(message);
  });
});

describe('deny', () => {
  test('an approver denies with a reason', () => {
    const before = request();
    expect(next(deny(before, appr1, single, 'use the runbook', OPEN))).toEqual({ ...before, state: 'denied', decidedBy: U.appr1, decidedAt: OPEN, denyReason: 'use the runbook' });
  });

  test('a partly approved request can still be denied', () => {
    const req = request({ role: 'audit', approvals: [{ userId: U.appr1, at: at(1) }] });
    const after = next(deny(req, appr2, double, 'no', OPEN));
    expect(after.state).toBe('denied');
    expect(after.approvals).toHaveLength(1);
  });

  test.each<[string, Parameters<typeof deny>[1], string]>([
    ['the requester', requesterApprover, 'You cannot decide on your own request; use Cancel to withdraw it.'],
    ['a non-approver', stranger, 'Only members of the approver groups of `admin` can deny this request.'],
  ])('refuses %s', (_what, who, message) => {
    expect(refusal(deny(request(), who, single, 'x', OPEN))).toBe(message);
  });

  test('refuses after the deadline', () => {
    expect(refusal(deny(request(), appr1, single, 'x', at(31)))).toBe('This request expired <!date^1893501000^{date_short_pretty} {time}|2030-01-01 12:30 UTC> (1m ago) without a decision.');
  });
});

describe('cancel', () => {
  test('the requester cancels', () => {
    const before = request();
    expect(next(cancel(before, U.plat, OPEN))).toEqual({ ...before, state: 'cancelled', decidedBy: U.plat, decidedAt: OPEN });
  });

  test('the requester cancels a partly approved request', () => {
    expect(next(cancel(request({ role: 'audit', approvals: [{ userId: U.appr1, at: at(1) }] }), U.plat, OPEN)).state).toBe('cancelled');
  });

  test.each([U.appr1, U.eng, U.admin])('%s, who did not ask, cannot cancel', (userId) => {
    expect(refusal(cancel(request(), userId, OPEN))).toBe('Only the person who asked can cancel this request.');
  });

  test('someone else is told they cannot cancel, even when it is closed', () => {
    expect(refusal(cancel(decidedBy.denied, U.eng, OPEN))).toBe('Only the person who asked can cancel this request.');
  });

  test('the requester cannot cancel after the deadline', () => {
    expect(refusal(cancel(request(), U.plat, at(40)))).toBe('This request expired <!date^1893501000^{date_short_pretty} {time}|2030-01-01 12:30 UTC> (10m ago) without a decision.');
  });
});

describe('expire', () => {
  test.each<[string, Date]>([
    ['well before the deadline', OPEN],
    ['a millisecond before the deadline', new Date(EXPIRES.getTime() - 1)],
  ])('refuses %s', (_what, now) => {
    expect(refusal(expire(request(), now))).toBe('The request has not expired yet.');
  });

  test.each<[string, Date]>([
    ['at the deadline', EXPIRES],
    ['after the deadline', at(90)],
  ])('expires a pending request %s', (_what, now) => {
    const before = request();
    const after = next(expire(before, now));
    expect(after).toEqual({ ...before, state: 'expired', decidedAt: now });
    expect(after.decidedBy).toBeUndefined();
  });

  test('a partly approved request expires too', () => {
    expect(next(expire(request({ role: 'audit', approvals: [{ userId: U.appr1, at: at(1) }] }), at(31))).state).toBe('expired');
  });

  test.each(Object.entries(decidedBy))('only pending requests expire, not %s ones', (state, req) => {
    expect(refusal(expire(req, at(999)))).toBe(`The request is ${state}, not pending.`);
  });
});

describe('delivered and failed', () => {
  test('delivered records the grant', () => {
    const after = next(delivered(decidedBy.approved, 'grant00009', at(65)));
    expect(after).toEqual({ ...decidedBy.approved, state: 'delivered', grantId: 'grant00009', tokenExpiresAt: at(65) });
  });

  test('failed records why', () => {
    const after = next(failed(decidedBy.approved, 'DM refused'));
    expect(after).toEqual({ ...decidedBy.approved, state: 'failed', failure: 'DM refused' });
  });

  const notApproved: Array<[RequestState, AccessRequest]> = [['pending', request()], ...Object.entries(decidedBy).filter(([s]) => s !== 'approved')] as Array<[RequestState, AccessRequest]>;
  test.each(notApproved)('delivered is refused from %s', (state, req) => {
    expect(refusal(delivered(req, 'g', at(65)))).toBe(`The request is ${state}, not approved.`);
  });
  test.each(notApproved)('failed is refused from %s', (state, req) => {
    expect(refusal(failed(req, 'x'))).toBe(`The request is ${state}, not approved.`);
  });
});

describe('closed requests say who decided', () => {
  test.each<[Exclude<RequestState, 'pending'>, string]>([
    ['approved', 'This request was already approved by <@UAPPR01> (<!date^1893499380^{date_short_pretty} {time}|2030-01-01 12:03 UTC>).'],
    ['delivered', 'This request was already approved by <@UAPPR01> (<!date^1893499380^{date_short_pretty} {time}|2030-01-01 12:03 UTC>).'],
    ['failed', 'This request was already approved by <@UAPPR01> (<!date^1893499380^{date_short_pretty} {time}|2030-01-01 12:03 UTC>).'],
    ['denied', 'This request was already denied by <@UAPPR02> (<!date^1893499440^{date_short_pretty} {time}|2030-01-01 12:04 UTC>).'],
    ['cancelled', 'This request was already cancelled by <@UPLAT01> (<!date^1893499320^{date_short_pretty} {time}|2030-01-01 12:02 UTC>).'],
    ['expired', 'This request was already expired (<!date^1893501000^{date_short_pretty} {time}|2030-01-01 12:30 UTC>).'],
  ])('%s', (state, message) => {
    const req = decidedBy[state];
    const closed = notOpen(req, OPEN);
    expect(closed && !closed.ok && say(closed.reason)).toBe(message);
    expect(refusal(approve(req, appr2, single, OPEN))).toBe(message);
    expect(refusal(approve(req, appr1, single, OPEN))).toBe(message);
    expect(refusal(deny(req, appr1, single, 'no', OPEN))).toBe(message);
    expect(refusal(cancel(req, U.plat, OPEN))).toBe(message);
    // A closed request stays closed even after its deadline passes.
    expect(refusal(approve(req, appr2, single, at(999)))).toBe(message);
  });

  test('a pending request before its deadline is open', () => {
    expect(notOpen(request(), OPEN)).toBeUndefined();
  });

  test.each<[Partial<AccessRequest>, string]>([
    [{ state: 'pending' }, 'pending'],
    [{ state: 'approved', decidedBy: 'UA' }, 'approved by <@UA>'],
    [{ state: 'denied' }, 'denied'],
    [{ state: 'cancelled', decidedAt: T0 }, 'cancelled (<!date^1893499200^{date_short_pretty} {time}|2030-01-01 12:00 UTC>)'],
    [{ state: 'expired', decidedBy: 'UA', decidedAt: T0 }, 'expired (<!date^1893499200^{date_short_pretty} {time}|2030-01-01 12:00 UTC>)'],
  ])('outcome of %j is %j', (fields, text) => {
    expect(outcome(request(fields))).toBe(text);
  });
});

describe('every transition from every state', () => {
  const states: Array<[RequestState, AccessRequest]> = [['pending', request()], ...(Object.entries(decidedBy) as Array<[RequestState, AccessRequest]>)];
  const moves: Array<[string, (r: AccessRequest) => Step]> = [
    ['approve', (r) => approve(r, appr1, single, OPEN)],
    ['deny', (r) => deny(r, appr1, single, 'no', OPEN)],
    ['cancel', (r) => cancel(r, U.plat, OPEN)],
    ['expire', (r) => expire(r, at(31))],
    ['delivered', (r) => delivered(r, 'g', at(65))],
    ['failed', (r) => failed(r, 'x')],
  ];
  const allowed: Record<string, RequestState | undefined> = {
    'pending approve': 'approved',
    'pending deny': 'denied',
    'pending cancel': 'cancelled',
    'pending expire': 'expired',
    'approved delivered': 'delivered',
    'approved failed': 'failed',
  };
  const table = states.flatMap(([state, req]) => moves.map(([move, fn]) => [state, move, req, fn, allowed[`${state} ${move}`]] as const));
  test.each(table)('%s → %s', (_state, _move, req, fn, to) => {
    const step = fn(req);
    if (to === undefined) {
      expect(step.ok).toBe(false);
    } else {
      expect(step.ok && step.next.state).toBe(to);
      expect(step.ok && step.next.version).toBe(req.version);
      expect(req.state).not.toBe(to);
    }
  });
});
