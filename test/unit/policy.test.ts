import {
  canApprove,
  canRevokeOthers,
  decide,
  inAudience,
  MIN_SECONDS,
  roleByAlias,
  rolesFor,
  type Ask,
  type Decision,
  type Person,
  type Policy,
} from '../../src/domain/policy';
import { mayRequest, say } from '../../src/slack/text/answers';
import { serviceAccountName } from '../../src/domain/identity';
import { person, samplePolicy, U } from './fakes';

const policy = samplePolicy();
const H = 3600;

const people: Record<string, Person> = {
  eng: person(U.eng, 'engineers'),
  plat: person(U.plat, 'engineers', 'platform'),
  appr: person(U.appr1, 'approvers'),
  apprPlat: person(U.appr2, 'approvers', 'platform'),
  admin: person(U.admin, 'karpor-admins'),
  vip: person(U.vip),
  outsider: person(U.outsider),
  lookalike: person('UENG001X', 'Engineers', 'engineers '),
};

type Expect =
  | { kind: 'refused'; fragments: string[] }
  | { kind: 'grant'; role: string; seconds: number }
  | { kind: 'needs-approval'; role: string; seconds: number; reason?: string; needsReason: boolean };

function summary(d: Decision): Record<string, unknown> {
  if (d.kind === 'refused') return { kind: d.kind };
  return { ...d, role: d.role.alias };
}

describe('decide', () => {
  const only = 'You may request: `guest` (up to 8h).';
  const nothing = 'You may not request any Karpor role; ask your Karpor administrators to add you to a group that may.';
  test.each<[string, keyof typeof people, Ask, Expect]>([
    ['unknown role', 'eng', { role: 'nope' }, { kind: 'refused', fragments: ['There is no role "nope".', only] }],
    ['unknown role, nothing allowed', 'outsider', { role: 'nope' }, { kind: 'refused', fragments: ['There is no role "nope".', nothing] }],
    ['role alias is case-sensitive', 'eng', { role: 'Guest' }, { kind: 'refused', fragments: ['There is no role "Guest".'] }],
    ['cluster role is not an alias', 'eng', { role: 'karpor-guest' }, { kind: 'refused', fragments: ['There is no role "karpor-guest".'] }],
    ['not in the group', 'eng', { role: 'admin' }, { kind: 'refused', fragments: ['You are not in a group that may request `admin`.', only] }],
    ['approver is not a requester', 'appr', { role: 'admin' }, { kind: 'refused', fragments: ['You are not in a group that may request `admin`.', nothing] }],
    ['nobody', 'outsider', { role: 'guest' }, { kind: 'refused', fragments: ['You are not in a group that may request `guest`.', nothing] }],
    ['group names must match exactly', 'lookalike', { role: 'guest' }, { kind: 'refused', fragments: ['not in a group'] }],
    ['allowed by user ID', 'vip', { role: 'guest' }, { kind: 'grant', role: 'guest', seconds: H }],
    ['allowed by group, default duration', 'eng', { role: 'guest' }, { kind: 'grant', role: 'guest', seconds: H }],
    ['explicit duration', 'eng', { role: 'guest', seconds: 2 * H }, { kind: 'grant', role: 'guest', seconds: 2 * H }],
    ['exactly the shortest', 'eng', { role: 'guest', seconds: MIN_SECONDS }, { kind: 'grant', role: 'guest', seconds: 600 }],
    ['exactly the longest', 'eng', { role: 'guest', seconds: 8 * H }, { kind: 'grant', role: 'guest', seconds: 8 * H }],
    ['too short', 'eng', { role: 'guest', seconds: 540 }, { kind: 'refused', fragments: ['9m is too short: the shortest token lasts 10m.'] }],
    ['too long', 'eng', { role: 'guest', seconds: 8 * H + 60 }, { kind: 'refused', fragments: ['`guest` can be had for at most 8h; you asked for 8h1m.'] }],
    ['far too long', 'eng', { role: 'guest', seconds: 30 * 86_400 }, { kind: 'refused', fragments: ['at most 8h; you asked for 30d.'] }],
    ['a reason on a role without approval is dropped', 'eng', { role: 'guest', reason: 'x' }, { kind: 'grant', role: 'guest', seconds: H }],
    ['needs approval, no reason', 'plat', { role: 'admin' }, { kind: 'needs-approval', role: 'admin', seconds: H, needsReason: true }],
    ['needs approval, empty reason', 'plat', { role: 'admin', reason: '' }, { kind: 'needs-approval', role: 'admin', seconds: H, needsReason: true }],
    ['needs approval, with reason', 'plat', { role: 'admin', seconds: 2 * H, reason: 'INC-42' }, { kind: 'needs-approval', role: 'admin', seconds: 2 * H, reason: 'INC-42', needsReason: false }],
    ['reasonRequired false', 'plat', { role: 'audit' }, { kind: 'needs-approval', role: 'audit', seconds: H, needsReason: false }],
    ['reasonRequired false keeps a reason', 'plat', { role: 'audit', reason: 'why' }, { kind: 'needs-approval', role: 'audit', seconds: H, reason: 'why', needsReason: false }],
    ['approval does not lift the maximum', 'plat', { role: 'admin', seconds: 5 * H, reason: 'x' }, { kind: 'refused', fragments: ['`admin` can be had for at most 4h; you asked for 5h.'] }],
    ['approval does not lift the minimum', 'plat', { role: 'admin', seconds: 60, reason: 'x' }, { kind: 'refused', fragments: ['1m is too short'] }],
    ['an approver who may request needs approval too', 'apprPlat', { role: 'admin', reason: 'x' }, { kind: 'needs-approval', role: 'admin', seconds: H, reason: 'x', needsReason: false }],
  ])('%s', (_what, who, ask, expected) => {
    const decision = decide(policy, people[who]!, ask);
    if (expected.kind === 'refused') {
      expect(decision.kind).toBe('refused');
      if (decision.kind === 'refused') for (const f of expected.fragments) expect(say(decision.reason)).toContain(f);
    } else {
      expect(summary(decision)).toEqual(expected);
    }
  });

  test('the refusal lists what the person may request, with approval marked', () => {
    const decision = decide(policy, people.plat!, { role: 'nope' });
    expect(decision.kind === 'refused' && say(decision.reason)).toBe(
      'There is no role "nope". You may request: `guest` (up to 8h), `admin` (up to 4h, needs approval), `audit` (up to 4h, needs approval).',
    );
  });

  test('the decided role is the policy object itself', () => {
    const decision = decide(policy, people.eng!, { role: 'guest' });
    expect(decision.kind === 'grant' && decision.role).toBe(roleByAlias(policy, 'guest'));
  });
});

describe('rolesFor and mayRequest', () => {
  test.each<[keyof typeof people, string[], string]>([
    ['eng', ['guest'], 'You may request: `guest` (up to 8h).'],
    ['vip', ['guest'], 'You may request: `guest` (up to 8h).'],
    ['plat', ['guest', 'admin', 'audit'], 'You may request: `guest` (up to 8h), `admin` (up to 4h, needs approval), `audit` (up to 4h, needs approval).'],
    ['apprPlat', ['admin', 'audit'], 'You may request: `admin` (up to 4h, needs approval), `audit` (up to 4h, needs approval).'],
    ['appr', [], 'You may not request any Karpor role; ask your Karpor administrators to add you to a group that may.'],
    ['admin', [], 'You may not request any Karpor role; ask your Karpor administrators to add you to a group that may.'],
    ['outsider', [], 'You may not request any Karpor role; ask your Karpor administrators to add you to a group that may.'],
  ])('%s', (who, aliases, text) => {
    const roles = rolesFor(policy, people[who]!);
    expect(roles.map((r) => r.alias)).toEqual(aliases);
    expect(mayRequest(roles)).toBe(text);
  });

  test('durations are written the way people type them', () => {
    const p: Policy = samplePolicy();
    p.roles[0]!.maxSeconds = 86_400 + 5400;
    expect(mayRequest([p.roles[0]!])).toBe('You may request: `guest` (up to 1d1h30m).');
  });
});

describe('who may approve and revoke', () => {
  const admin = roleByAlias(policy, 'admin')!;
  const guest = roleByAlias(policy, 'guest')!;
  test.each<[string, Person, boolean, boolean, boolean]>([
    // who, may approve admin, may approve guest (no approval), may revoke others
    ['approver by group', people.appr!, true, false, true],
    ['approver who also requests', people.apprPlat!, true, false, true],
    ['revoker by group', people.admin!, false, false, true],
    ['plain engineer', people.eng!, false, false, false],
    ['platform member', people.plat!, false, false, false],
    ['nobody', people.outsider!, false, false, false],
  ])('%s', (_who, p, approveAdmin, approveGuest, revoke) => {
    expect(canApprove(admin, p)).toBe(approveAdmin);
    expect(canApprove(guest, p)).toBe(approveGuest);
    expect(canRevokeOthers(policy, p)).toBe(revoke);
  });

  test.each<[string, Policy['revokers'], Person, boolean]>([
    ['a user ID in revokers', { groups: [], users: ['UREVOKE'] }, person('UREVOKE'), true],
    ['a group in revokers', { groups: ['sre'], users: [] }, person('USRE', 'sre'), true],
    ['neither', { groups: ['sre'], users: ['UREVOKE'] }, person('UOTHER', 'dev'), false],
  ])('canRevokeOthers with %s', (_what, revokers, p, expected) => {
    expect(canRevokeOthers(samplePolicy({ revokers }), p)).toBe(expected);
  });

  test('approval by user ID counts', () => {
    const p = samplePolicy();
    p.roles[1]!.approval = { ...p.roles[1]!.approval!, groups: [], users: ['UBOSS'] };
    expect(canApprove(p.roles[1]!, person('UBOSS'))).toBe(true);
    expect(canApprove(p.roles[1]!, person(U.appr1, 'approvers'))).toBe(false);
    expect(canRevokeOthers(p, person('UBOSS'))).toBe(true);
  });

  test.each<[string, boolean]>([
    ['UX', true],
    ['UY', false],
  ])('inAudience matches users exactly (%s)', (userId, expected) => {
    expect(inAudience({ groups: [], users: ['UX'] }, person(userId))).toBe(expected);
  });
});

describe('serviceAccountName', () => {
  test.each<[Policy['identity'], string, string, string]>([
    [{ mode: 'shared', prefix: 'karpor' }, 'guest', 'U04ABCD', 'karpor-guest'],
    [{ mode: 'per-user', prefix: 'karpor' }, 'guest', 'U04ABCD', 'karpor-guest-u04abcd'],
    [{ mode: 'per-user', prefix: 'k' }, 'admin', 'W0X', 'k-admin-w0x'],
  ])('%j %s %s → %s', (identity, alias, userId, name) => {
    expect(serviceAccountName(identity, alias, userId)).toBe(name);
  });
});
