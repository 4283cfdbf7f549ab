// The bot's languages: every English sentence has a Simplified Chinese one (the catalogues are
// enumerated, so a missing translation fails here), and each person's Slack locale picks theirs.
import type { WebClient } from '@slack/web-api';
import { policyFrom } from '../../src/config/policy-file';
import type { Finding } from '../../src/domain/doctor';
import { DeliveryError, DirectoryUnavailableError, HubError, TokenRefusedError } from '../../src/domain/errors';
import type { Grant } from '../../src/domain/grant';
import { homeOf } from '../../src/domain/home';
import type { Message } from '../../src/domain/messages';
import type { AccessRequest } from '../../src/domain/request';
import { summarizeRole } from '../../src/domain/role-rules';
import { KARPOR_DEFAULT_RULES } from '../../src/domain/karpor-defaults';
import { languageOf, SlackLanguages } from '../../src/slack/languages';
import { homeView } from '../../src/slack/messages/app-home';
import { approvalCard, denyModal, pendingMessage, reasonModal } from '../../src/slack/messages/approval';
import { breakGlassCard, confirmedBreakGlassCard } from '../../src/slack/messages/break-glass';
import { expiryReminder, grantCard, revokedGrantCard, tokenMessage } from '../../src/slack/messages/token';
import { AUDIT_LINES as EN_AUDIT } from '../../src/slack/text/audit';
import { doctorMessage } from '../../src/slack/text/doctor';
import { CATALOGUE, EN, type Words } from '../../src/slack/text/words';
import { AUDIT_LINES as ZH_AUDIT } from '../../src/slack/text/zh-CN/audit';

const ZH = CATALOGUE['zh-CN'];
const HAN = /\p{Script=Han}/u;
const now = new Date('2026-12-01T09:00:00Z');
const later = (min: number) => new Date(now.getTime() + min * 60_000);

const policy = policyFrom({
  roles: {
    guest: { clusterRole: 'karpor-guest', groups: ['eng'] },
    admin: { clusterRole: 'karpor-admin', groups: ['plat'], approval: { groups: ['leads'] }, breakGlass: { users: ['U0ONCALL'] } },
  },
});
const roles = policy.roles;
const grant: Grant = {
  id: 'g1234567ab', userId: 'U0ENGINEER', role: 'admin', serviceAccount: 'karpor-admin', namespace: 'karpor-admins', grantedAt: now, expiresAt: later(60),
  approvedBy: ['U0APPROVER'], reason: 'INC-1 <!channel>', breakGlass: { confirmBy: later(15) },
};
const request = (over: Partial<AccessRequest> = {}): AccessRequest => ({
  id: 'r1234567ab', requester: 'U0PLATFORM', role: 'admin', seconds: 3600, reason: 'INC-2 & <@U0X>', state: 'pending', createdAt: now, expiresAt: later(30),
  approvals: [{ userId: 'U0APPROVER', at: now }], cards: [], allows: summarizeRole('karpor-admin', KARPOR_DEFAULT_RULES['karpor-admin']), ...over,
});
const decided = request({ state: 'denied', decidedBy: 'U0APPROVER', decidedAt: now, denyReason: 'not now' });

const findings: Finding[] = [
  { check: 'rbac', status: 'fail', state: 'off' },
  { check: 'anonymous-reads', status: 'fail', state: 'open', openPaths: ['/rest-api/v1/clusters'] },
  { check: 'token-maximum', status: 'warn', state: 'short', longestSeconds: 28_800, grantedSeconds: 3600, cutRoles: [{ role: 'guest', maxSeconds: 28_800 }] },
  { check: 'preset-role', status: 'warn', role: 'karpor-guest', state: 'differs', added: [{ kind: 'url', verb: 'post', url: '/x' }], removed: [] },
  { check: 'policy-roles', status: 'fail', missing: [{ role: 'audit', clusterRole: 'karpor-audit' }], unknown: [] },
  { check: 'hub-identity', status: 'fail', state: 'refused', refused: ['403'] },
  { check: 'bot-credential', status: 'warn', state: 'expiring', expiresAt: later(600) },
  { check: 'slack-scopes', status: 'fail', state: 'known', missing: ['users:read'], extra: [] },
  { check: 'user-groups', status: 'warn', state: 'checked', missing: ['eng'] },
  { check: 'approvers', status: 'fail', role: 'admin', needed: 2, reachable: 1 },
];

/** One message of every kind: the type makes it complete, so a new kind must be added here. */
const SAMPLES: { [K in Message['kind']]: Extract<Message, { kind: K }> } = {
  'command-too-long': { kind: 'command-too-long', length: 900, max: 500 },
  'reason-needs-role': { kind: 'reason-needs-role' },
  'takes-nothing': { kind: 'takes-nothing', word: 'help' },
  'not-a-role': { kind: 'not-a-role', word: '9x' },
  'unexpected-after-duration': { kind: 'unexpected-after-duration', word: 'now' },
  'not-a-duration': { kind: 'not-a-duration', word: '5y' },
  'zero-duration': { kind: 'zero-duration' },
  'empty-reason': { kind: 'empty-reason' },
  'reason-too-long': { kind: 'reason-too-long', length: 600, max: 500 },
  'revoke-takes-no-reason': { kind: 'revoke-takes-no-reason' },
  'revoke-takes-one-thing': { kind: 'revoke-takes-one-thing' },
  'not-a-grant-id': { kind: 'not-a-grant-id', word: 'x!' },
  'no-such-role': { kind: 'no-such-role', role: 'root', mine: roles },
  'not-allowed': { kind: 'not-allowed', role: 'admin', mine: [] },
  'too-short': { kind: 'too-short', seconds: 60 },
  'too-long': { kind: 'too-long', role: 'guest', maxSeconds: 3600, seconds: 7200 },
  'own-request': { kind: 'own-request', step: 'deny' },
  'not-an-approver': { kind: 'not-an-approver', role: 'admin', step: 'approve' },
  'approved-already': { kind: 'approved-already', more: 1 },
  'not-the-requester': { kind: 'not-the-requester' },
  'request-expired': { kind: 'request-expired', expiresAt: later(-5), now },
  'request-decided': { kind: 'request-decided', request: decided },
  'not-in-state': { kind: 'not-in-state', state: 'denied', expected: 'pending' },
  'not-expired-yet': { kind: 'not-expired-yet' },
  'no-such-request': { kind: 'no-such-request' },
  'role-gone': { kind: 'role-gone', role: 'audit' },
  issued: { kind: 'issued', role: 'guest', expiresAt: later(60), now },
  help: { kind: 'help', mine: roles, hubAcceptsAnyToken: true },
  status: { kind: 'status', grants: [grant], requests: [request()], now },
  'unknown-grant': { kind: 'unknown-grant', askAgain: true },
  'grant-expired': { kind: 'grant-expired' },
  'revoked-by-policy': { kind: 'revoked-by-policy', role: 'admin' },
  'shown-again': { kind: 'shown-again' },
  'revoking-others-refused': { kind: 'revoking-others-refused' },
  'revoked-all': { kind: 'revoked-all', owner: 'U0ENGINEER', self: false, count: 2, requests: 1 },
  'no-grant-to-revoke': { kind: 'no-grant-to-revoke', grantId: 'g1' },
  revoked: { kind: 'revoked', grant },
  'needs-reason': { kind: 'needs-reason', role: 'admin', seconds: 3600 },
  'request-pending': { kind: 'request-pending', request: request() },
  'too-many-open-requests': { kind: 'too-many-open-requests', open: 3, max: 3 },
  'approval-recorded': { kind: 'approval-recorded', more: 1 },
  approved: { kind: 'approved', requester: 'U0PLATFORM' },
  denied: { kind: 'denied' },
  cancelled: { kind: 'cancelled' },
  'form-expired': { kind: 'form-expired' },
  'clicking-too-fast': { kind: 'clicking-too-fast', waitSeconds: 2 },
  'role-mismatch': { kind: 'role-mismatch', role: 'admin', problem: 'binding points at cluster-admin', ref: 'ref1' },
  failed: { kind: 'failed', error: new Error('boom'), ref: 'ref1' },
  doctor: { kind: 'doctor', findings, now },
  'doctor-refused': { kind: 'doctor-refused' },
  'your-grants-revoked': { kind: 'your-grants-revoked', by: 'U0APPROVER', count: 2, requests: 1 },
  'your-grant-revoked': { kind: 'your-grant-revoked', by: 'U0APPROVER', grant },
  'your-grant-ended-by-membership': { kind: 'your-grant-ended-by-membership', grant },
  'your-request-denied': { kind: 'your-request-denied', by: 'U0APPROVER', request: decided, reason: 'not now <!here>' },
  'your-request-expired': { kind: 'your-request-expired', request: request({ state: 'expired' }) },
  'your-request-delivered': { kind: 'your-request-delivered', request: request({ state: 'delivered', decidedBy: 'U0APPROVER' }) },
  'your-request-failed': { kind: 'your-request-failed', request: request({ state: 'failed', decidedBy: 'U0APPROVER' }) },
  'break-glass-needs-reason': { kind: 'break-glass-needs-reason' },
  'no-break-glass': { kind: 'no-break-glass', role: 'guest' },
  'break-glass-not-allowed': { kind: 'break-glass-not-allowed', role: 'admin' },
  'break-glass-too-long': { kind: 'break-glass-too-long', role: 'admin', maxSeconds: 1800, seconds: 3600 },
  'break-glass-issued': { kind: 'break-glass-issued', role: 'admin', expiresAt: later(30), confirmBy: later(15), now },
  'break-glass-confirmed': { kind: 'break-glass-confirmed', grant },
  'not-break-glass': { kind: 'not-break-glass' },
  'break-glass-already-confirmed': { kind: 'break-glass-already-confirmed', by: 'U0APPROVER' },
  'own-break-glass': { kind: 'own-break-glass' },
  'not-a-confirmer': { kind: 'not-a-confirmer', role: 'admin' },
  'break-glass-gone': { kind: 'break-glass-gone' },
  'your-break-glass-confirmed': { kind: 'your-break-glass-confirmed', by: 'U0APPROVER', grant },
  'your-break-glass-revoked': { kind: 'your-break-glass-revoked', grant },
};

describe('every message kind is said in Simplified Chinese too', () => {
  test.each(Object.values(SAMPLES).map((m) => [m.kind, m] as const))('%s', (_kind, message) => {
    const en = EN.say(message);
    const zh = ZH.say(message);
    expect(typeof zh).toBe('string');
    expect(zh).toMatch(HAN);
    expect(zh).not.toBe(en);
    // What the English keeps of typed and outside text (escaped), the Chinese keeps too.
    for (const kept of en.match(/&lt;[^ ]*?&gt;|&amp;/g) ?? []) expect(zh).toContain(kept);
  });

  test.each<[string, unknown]>([
    ['a hub failure', new HubError('unavailable', 'down')],
    ['an undelivered token', new DeliveryError('x', 'post-token')],
    ['no DM', new DeliveryError('x', 'open-dm')],
    ['a refused token', new TokenRefusedError('g1', 401)],
    ['unknown membership', new DirectoryUnavailableError('x')],
  ])('and each kind of failure: %s', (_what, error) => {
    const zh = ZH.say({ kind: 'failed', error, ref: 'ref9' });
    expect(zh).toMatch(HAN);
    expect(zh).toContain('ref9');
    expect(EN.say({ kind: 'failed', error, ref: 'ref9' })).not.toMatch(HAN);
  });
});

test('the two catalogues have the same shape, and every word in the Chinese one differs from the English', () => {
  const walk = (en: unknown, zh: unknown, at: string): void => {
    expect([at, typeof zh]).toEqual([at, typeof en]);
    if (typeof en === 'string') {
      expect([at, zh]).not.toEqual([at, en]);
      expect(zh).toMatch(HAN);
    } else if (en && typeof en === 'object') {
      expect([at, Object.keys(zh as object).sort()]).toEqual([at, Object.keys(en).sort()]);
      for (const key of Object.keys(en)) walk((en as Record<string, unknown>)[key], (zh as Record<string, unknown>)[key], `${at}.${key}`);
    }
  };
  walk(EN, ZH, 'words');
});

test('the audit channel has a Chinese line for every event it has an English one for', () => {
  expect(Object.keys(ZH_AUDIT).sort()).toEqual(Object.keys(EN_AUDIT).sort());
  for (const event of Object.keys(EN_AUDIT)) {
    const e = { event, user: 'U0ENGINEER', role: 'admin', grant: 'g1', request: 'r1', seconds: 3600, by: 'U0APPROVER', approver: 'U0APPROVER', reason: 'why <!here>', denyReason: 'no', confirmBy: '09:15' };
    const zh = ZH.auditLine(e)!;
    expect(zh).toMatch(HAN);
    expect(zh).not.toBe(EN.auditLine(e));
    expect(zh).not.toContain('<!here>');
  }
});

/** Every text a person reads in a Block Kit structure, by where it is. */
function texts(node: unknown, at = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(node)) node.forEach((n, i) => texts(n, `${at}[${i}]`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === 'string' && (k === 'text' || k === 'errors')) out.set(`${at}.${k}`, v);
      else texts(v, `${at}.${k}`, out);
    }
  }
  return out;
}

describe('cards, forms, the Home tab and the check-up are all in Chinese', () => {
  const token = { grant, token: 'eyJ.test.token', tokenExpiresAt: later(70), dashboardUrl: 'https://karpor.example' };
  const home = homeOf(policy, { userId: 'U0LEAD', groups: new Set(['eng', 'leads']) }, [{ ...grant, userId: 'U0LEAD' }], [request({ requester: 'U0LEAD' }), request({ id: 'r2' })], now);
  test.each<[string, (w: Words) => unknown]>([
    ['the approval card, open', (w) => approvalCard(request(), now, w)],
    ['the approval card, decided', (w) => approvalCard(decided, now, w)],
    ['the approval card, delivered', (w) => approvalCard(request({ state: 'delivered', decidedBy: 'U0A', decidedAt: now, tokenExpiresAt: later(60) }), now, w)],
    ['the pending answer', (w) => pendingMessage(request(), w)],
    ['the reason form', (w) => reasonModal('admin', 3600, w)],
    ['the deny form', (w) => denyModal('r1', w)],
    ['the token DM', (w) => tokenMessage(token, now, w)],
    ['the grant card', (w) => grantCard(grant, w)],
    ['the revoked grant card', (w) => revokedGrantCard(grant, w)],
    ['the expiry reminder', (w) => expiryReminder(grant, w)],
    ['the break-glass card', (w) => breakGlassCard(grant, now, w)],
    ['the confirmed break-glass card', (w) => confirmedBreakGlassCard(grant, 'U0A', w)],
    ['the Home tab', (w) => homeView(home, w)],
    ['the check-up', (w) => doctorMessage(findings, now, w.doctor)],
  ])('%s', (_what, build) => {
    const en = texts(build(EN));
    const zh = texts(build(ZH));
    expect([...zh.keys()]).toEqual([...en.keys()]);
    for (const [at, text] of zh) {
      if (text.startsWith('```')) continue; // the token itself
      expect([at, text]).not.toEqual([at, en.get(at)]);
    }
    expect([...zh.values()].join('\n')).toMatch(HAN);
  });
});

describe('the language of a Slack locale', () => {
  test.each([
    ['zh-CN', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['en-US', 'en'],
    ['en-GB', 'en'],
    ['ja-JP', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (locale, language) => {
    expect(languageOf(locale)).toBe(language);
  });
});

describe('each person\'s language, from Slack', () => {
  function fakeSlack(answer: (user: string) => Promise<{ user?: { locale?: string } }>) {
    const calls: Array<Record<string, unknown>> = [];
    const client = { users: { info: (args: { user: string }) => (calls.push(args), answer(args.user)) } } as unknown as WebClient;
    return { client, calls };
  }
  const options = (over: Partial<ConstructorParameters<typeof SlackLanguages>[2]> = {}) => ({ keepMs: 3_600_000, retryMs: 60_000, waitMs: 1_000, onError: () => undefined, ...over });
  const locales: Record<string, string> = { U0ZH: 'zh-CN', U0TW: 'zh-TW', U0EN: 'en-GB', U0JA: 'ja-JP' };

  test('the locale picks the words; a language the bot does not speak gets the policy default', async () => {
    const { client, calls } = fakeSlack(async (user) => ({ user: { locale: locales[user]! } }));
    const en = new SlackLanguages(client, 'en', options());
    expect(await en.of('U0ZH')).toBe(ZH);
    expect(await en.of('U0TW')).toBe(ZH);
    expect(await en.of('U0EN')).toBe(EN);
    expect(await en.of('U0JA')).toBe(EN);
    expect(en.shared).toBe(EN);
    const zh = new SlackLanguages(client, 'zh-CN', options());
    expect(await zh.of('U0JA')).toBe(ZH);
    expect(await zh.of('U0EN')).toBe(EN);
    expect(zh.shared).toBe(ZH);
    expect(calls[0]).toEqual({ user: 'U0ZH', include_locale: true });
  });

  test('asked once per person while it is kept, also when asked at the same moment; asked again after', async () => {
    let t = 0;
    const { client, calls } = fakeSlack(async (user) => ({ user: { locale: locales[user]! } }));
    const languages = new SlackLanguages(client, 'en', options({ now: () => t }));
    expect(languages.known('U0ZH')).toBe(EN);
    await Promise.all([languages.of('U0ZH'), languages.of('U0ZH')]);
    expect(await languages.of('U0ZH')).toBe(ZH);
    expect(languages.known('U0ZH')).toBe(ZH);
    expect(calls).toHaveLength(1);
    t += 3_600_001;
    expect(languages.known('U0ZH')).toBe(EN);
    await languages.of('U0ZH');
    expect(calls).toHaveLength(2);
  });

  test('when users.info fails, the default, never a failure; Slack is asked again only after a while', async () => {
    let t = 0;
    const errors: unknown[] = [];
    const { client, calls } = fakeSlack(async () => {
      throw Object.assign(new Error('An API error occurred: missing_scope'), { data: { error: 'missing_scope' } });
    });
    const languages = new SlackLanguages(client, 'zh-CN', options({ now: () => t, onError: (err) => void errors.push(err) }));
    expect(await languages.of('U0EN')).toBe(ZH);
    expect(await languages.of('U0EN')).toBe(ZH);
    expect(calls).toHaveLength(1);
    expect(errors).toHaveLength(1);
    t += 60_001;
    await languages.of('U0EN');
    expect(calls).toHaveLength(2);
  });

  test('a slow Slack does not hold the answer: the default after waitMs, the person\'s language once Slack answers', async () => {
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    const { client } = fakeSlack(async () => {
      await answered;
      return { user: { locale: 'zh-CN' } };
    });
    const languages = new SlackLanguages(client, 'en', options({ waitMs: 20 }));
    expect(await languages.of('U0ZH')).toBe(EN);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await languages.of('U0ZH')).toBe(ZH);
  });
});

test('the policy names its language, English when it does not; another is refused', () => {
  expect(policy.language).toBeUndefined();
  expect(policyFrom({ language: 'zh-CN', roles: { guest: { clusterRole: 'karpor-guest', groups: ['eng'] } } }).language).toBe('zh-CN');
  expect(() => policyFrom({ language: 'de', roles: { guest: { clusterRole: 'karpor-guest', groups: ['eng'] } } })).toThrow(/language.*must be one of en, zh-CN/s);
});
