import { policyFrom } from '../../src/config/policy-file';
import { grantsBeyondEntitlement, whoLostRoles } from '../../src/domain/entitlement';
import { confirmStep, decideBreakGlass, overdue } from '../../src/domain/break-glass';
import { parseCommand } from '../../src/domain/command';
import type { Grant } from '../../src/domain/grant';
import { slackMarkup } from '../../src/slack/text/markup';
import { say } from '../../src/slack/text/answers';

const roles = {
  guest: { clusterRole: 'karpor-guest', groups: ['eng'] },
  admin: { clusterRole: 'karpor-admin', groups: ['plat'], approval: { groups: ['leads'] }, breakGlass: { groups: ['oncall'], users: ['U0NAMED'] } },
};
const policy = policyFrom({ roles });
const person = (userId: string, ...groups: string[]) => ({ userId, groups: new Set(groups) });
const now = new Date('2026-01-01T12:00:00Z');
const MIN = 60;

describe('parsing --break-glass', () => {
  test.each([
    ['admin --break-glass -- db down', { ok: true, command: { kind: 'request', role: 'admin', reason: 'db down', breakGlass: true } }],
    ['admin 20m --break-glass -- db down', { ok: true, command: { kind: 'request', role: 'admin', seconds: 20 * MIN, reason: 'db down', breakGlass: true } }],
    ['admin --BREAK-GLASS 20m -- x', { ok: true, command: { kind: 'request', role: 'admin', seconds: 20 * MIN, reason: 'x', breakGlass: true } }],
    ['admin 20m -- --break-glass is only words here', { ok: true, command: { kind: 'request', role: 'admin', seconds: 20 * MIN, reason: '--break-glass is only words here' } }],
    ['admin --break-glass', { ok: false, reason: { kind: 'break-glass-needs-reason' } }],
    ['admin --break-glass --', { ok: false, reason: { kind: 'empty-reason' } }],
    ['--break-glass -- x', { ok: false, reason: { kind: 'not-a-role', word: '--break-glass' } }],
    ['status --break-glass', { ok: false, reason: { kind: 'takes-nothing', word: 'status' } }],
    ['revoke all --break-glass', { ok: false, reason: { kind: 'revoke-takes-one-thing' } }],
  ])('%s', (text, expected) => {
    expect(parseCommand(text, slackMarkup)).toEqual(expected);
  });
});

describe('the policy decision', () => {
  test.each([
    ['a named group, with a reason: its short maximum by default', person('U1', 'oncall'), { role: 'admin', reason: 'x' }, { kind: 'grant', seconds: 30 * MIN, confirmWithinSeconds: 15 * MIN }],
    ['a named user, shorter', person('U0NAMED'), { role: 'admin', seconds: 10 * MIN, reason: 'x' }, { kind: 'grant', seconds: 10 * MIN }],
    ['the role\'s own group is not enough', person('U2', 'plat'), { role: 'admin', reason: 'x' }, { kind: 'refused', reason: { kind: 'break-glass-not-allowed', role: 'admin' } }],
    ['no reason', person('U1', 'oncall'), { role: 'admin' }, { kind: 'refused', reason: { kind: 'break-glass-needs-reason' } }],
    ['longer than its maximum', person('U1', 'oncall'), { role: 'admin', seconds: 31 * MIN, reason: 'x' }, { kind: 'refused', reason: { kind: 'break-glass-too-long', role: 'admin', maxSeconds: 30 * MIN, seconds: 31 * MIN } }],
    ['shorter than the hub issues', person('U1', 'oncall'), { role: 'admin', seconds: 5 * MIN, reason: 'x' }, { kind: 'refused', reason: { kind: 'too-short', seconds: 5 * MIN } }],
    ['a role without break-glass', person('U1', 'oncall', 'eng'), { role: 'guest', reason: 'x' }, { kind: 'refused', reason: { kind: 'no-break-glass', role: 'guest' } }],
    ['no such role', person('U1', 'oncall'), { role: 'root', reason: 'x' }, { kind: 'refused', reason: { kind: 'no-such-role', role: 'root' } }],
  ])('%s', (_what, who, ask, expected) => {
    expect(decideBreakGlass(policy, who, ask)).toMatchObject(expected);
  });
});

describe('confirming', () => {
  const grant = (over: Partial<Grant> = {}): Grant => ({
    id: 'g1', userId: 'U1', role: 'admin', serviceAccount: 'sa', namespace: 'ns', grantedAt: now, expiresAt: new Date(now.getTime() + 30 * MIN * 1000),
    breakGlass: { confirmBy: new Date(now.getTime() + 15 * MIN * 1000) }, ...over,
  });
  test.each([
    ['an approver, in time', grant(), person('U9', 'leads'), { ok: true }],
    ['the owner, even an approver', grant(), person('U1', 'leads'), { ok: false, reason: { kind: 'own-break-glass' } }],
    ['not an approver', grant(), person('U8', 'oncall'), { ok: false, reason: { kind: 'not-a-confirmer', role: 'admin' } }],
    ['confirmed already', grant({ breakGlass: { confirmBy: new Date(now.getTime() + 1000), confirmedBy: 'U7' } }), person('U9', 'leads'), { ok: false, reason: { kind: 'break-glass-already-confirmed', by: 'U7' } }],
    ['past the deadline', grant({ breakGlass: { confirmBy: now } }), person('U9', 'leads'), { ok: false, reason: { kind: 'break-glass-gone' } }],
    ['an ordinary grant', grant({ breakGlass: undefined }), person('U9', 'leads'), { ok: false, reason: { kind: 'not-break-glass' } }],
    ['gone', undefined, person('U9', 'leads'), { ok: false, reason: { kind: 'break-glass-gone' } }],
  ])('%s', (_what, g, who, expected) => {
    expect(confirmStep(policy, g, who, now)).toMatchObject(expected);
  });

  test.each([
    [{ confirmBy: now }, true],
    [{ confirmBy: new Date(now.getTime() + 1) }, false],
    [{ confirmBy: now, confirmedBy: 'U9' }, false],
    [undefined, false],
  ])('overdue(%j) is %s', (breakGlass, expected) => {
    expect(overdue(grant({ breakGlass }), now)).toBe(expected);
  });
});

describe('the policy file', () => {
  test('defaults: 30m at most, confirmed within 15m', () => {
    expect(policy.roles.find((r) => r.alias === 'admin')!.breakGlass).toEqual({ groups: ['oncall'], users: ['U0NAMED'], maxSeconds: 30 * MIN, confirmWithinSeconds: 15 * MIN });
    expect(policy.roles.find((r) => r.alias === 'guest')!.breakGlass).toBeUndefined();
  });
  test.each([
    [{ groups: [] }, /breakGlass.*at least one group or user/s],
    [{ groups: ['oncall'], maxDuration: '15m', confirmWithin: '15m' }, /confirmWithin must be shorter than maxDuration/],
    [{ groups: ['oncall'], maxDuration: '5m', confirmWithin: '1m' }, /maxDuration.*at least 10m/s],
    [{ groups: ['oncall'], forever: true }, /forever/],
  ])('%j is refused', (breakGlass, message) => {
    expect(() => policyFrom({ roles: { admin: { ...roles.admin, breakGlass } } })).toThrow(message);
  });
  test('a role nobody could confirm is refused', () => {
    expect(() => policyFrom({ roles: { guest: { ...roles.guest, breakGlass: { groups: ['oncall'] } } } })).toThrow(/nobody could confirm it/);
    expect(policyFrom({ revokers: { groups: ['admins'] }, roles: { guest: { ...roles.guest, breakGlass: { groups: ['oncall'] } } } }).roles[0]!.breakGlass).toBeDefined();
  });
});

test('every break-glass answer has words', () => {
  expect(say({ kind: 'break-glass-issued', role: 'admin', expiresAt: now, confirmBy: now, now })).toMatch(/unless one confirms it by <!date\^\d+\^[^|]+\|2026-01-01 12:00 UTC>/);
  expect(say({ kind: 'break-glass-needs-reason' })).toMatch(/--break-glass -- /);
});

describe('break-glass and continuous entitlement', () => {
  const member = (groups: Record<string, string[]>) => new Map(Object.entries(groups).map(([u, g]) => [u, new Set(g)]));
  const grantOf = (id: string, over: Partial<Grant>): Grant => ({
    id, userId: 'U0ONCALL', role: 'admin', namespace: 'karpor-admins', serviceAccount: 'karpor-admin', grantedAt: now, expiresAt: new Date(now.getTime() + 30 * MIN * 1000), ...over,
  });

  test('a break-glass grant stays while its owner is in the break-glass audience, a normal grant of the role does not', () => {
    const glass = grantOf('glass00001', { breakGlass: { confirmBy: new Date(now.getTime() + 15 * MIN * 1000) } });
    const plain = grantOf('plain00001', {});
    const after = member({ U0ONCALL: ['oncall'] });
    expect(grantsBeyondEntitlement(policy, [glass, plain], after, now).map((g) => g.id)).toEqual(['plain00001']);
    expect(grantsBeyondEntitlement(policy, [glass], member({}), now).map((g) => g.id)).toEqual(['glass00001']);
  });

  test('leaving the break-glass audience counts as a loss', () => {
    expect(whoLostRoles(policy, member({ U0ONCALL: ['oncall'] }), member({ U0ONCALL: [] }))).toEqual(['U0ONCALL']);
    expect(whoLostRoles(policy, member({ U0ONCALL: ['oncall'] }), member({ U0ONCALL: ['oncall'] }))).toEqual([]);
  });
});
