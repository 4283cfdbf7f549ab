// Every time people read is a Slack date token (each reader sees their own time zone), and no
// lasting message shows a relative time ("in 7h 59m") that goes stale.
import { diagnose, type DoctorFacts } from '../../src/domain/doctor';
import type { Grant } from '../../src/domain/grant';
import type { Message } from '../../src/domain/messages';
import type { AccessRequest } from '../../src/domain/request';
import { homeOf } from '../../src/domain/home';
import { approvalCard, pendingMessage } from '../../src/slack/messages/approval';
import { homeView } from '../../src/slack/messages/app-home';
import { expiryReminder, grantCard, tokenMessage } from '../../src/slack/messages/token';
import { say } from '../../src/slack/text/answers';
import { doctorMessage } from '../../src/slack/text/doctor';
import { slackDate } from '../../src/slack/text/markup';
import { samplePolicy, U } from './fakes';

const now = new Date('2026-12-01T09:00:00Z');
const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const grant: Grant = { id: 'aaaaaaaaaa', userId: U.eng, role: 'guest', serviceAccount: 'karpor-guest', namespace: 'karpor', grantedAt: now, expiresAt: later(8 * 60), approvedBy: [U.appr1] };
const request = (over: Partial<AccessRequest> = {}): AccessRequest => ({
  id: 'req0000001',
  requester: U.plat,
  role: 'admin',
  seconds: 3600,
  reason: 'INC-42',
  state: 'pending',
  createdAt: now,
  expiresAt: later(30),
  approvals: [],
  cards: [],
  ...over,
});
const decided = { decidedBy: U.appr1, decidedAt: later(5) };

const TOKEN = /<!date\^(\d+)\^\{date_short_pretty\} \{time\}\|(\d{4}-\d\d-\d\d \d\d:\d\d) UTC>/g;
const RELATIVE = /\b(in \d+[dhm]|\d+[dhm] ago|just now)\b/;

/** Everything a person reads of a message: its notification text and every text in its blocks. */
function shown(m: { text: string; blocks?: unknown[] } | string): string {
  return typeof m === 'string' ? m : `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
}

/** Messages that stay in Slack, by what they are. */
const lasting: Array<[string, string]> = [
  ['approval card, pending', shown(approvalCard(request({ approvals: [{ userId: U.appr2, at: later(1) }] }), now))],
  ['approval card, delivered', shown(approvalCard(request({ ...decided, state: 'delivered', grantId: 'g', tokenExpiresAt: later(65) }), later(6)))],
  ['approval card, denied', shown(approvalCard(request({ ...decided, state: 'denied', denyReason: 'no' }), later(6)))],
  ['approval card, expired', shown(approvalCard(request({ state: 'expired', decidedAt: later(30) }), later(31)))],
  ['grant card', shown(grantCard(grant))],
  ['expiry reminder', shown(expiryReminder(grant))],
  ['DM: request expired', say({ kind: 'your-request-expired', request: request({ state: 'expired' }) })],
  // Republished on changes only: what it says must hold until the next change.
  ['Home tab', JSON.stringify(homeView(homeOf(samplePolicy(), { userId: U.appr1, groups: new Set(['approvers', 'engineers']) }, [{ ...grant, userId: U.appr1 }], [request(), request({ id: 'req0000002', requester: U.appr1 })], now)).blocks)],
];

/** Answers seen once, right away: they may add a relative time next to the date. */
const immediate: Array<[string, string]> = [
  ['the token', shown(tokenMessage({ grant, token: 'not-a-real-token' }, now))],
  ['pending request', shown(pendingMessage(request()))],
  ...(
    [
      { kind: 'issued', role: 'guest', expiresAt: later(60), now },
      { kind: 'status', grants: [grant], requests: [request()], now },
      { kind: 'request-expired', expiresAt: later(30), now: later(40) },
      { kind: 'request-decided', request: request({ ...decided, state: 'approved' }) },
      { kind: 'request-pending', request: request() },
    ] as Message[]
  ).map((m): [string, string] => [`answer: ${m.kind}`, say(m)]),
  [
    'doctor',
    (() => {
      const facts: DoctorFacts = {
        hub: { rbac: true, anonymousReads: [], tokenMaximum: undefined, clusterRoles: [] },
        botCredentialExpiresAt: later(3 * 24 * 60),
        slack: { grantedScopes: [], neededScopes: [], userGroups: [], approvers: [] },
      };
      return shown(doctorMessage(diagnose(facts, samplePolicy(), now), now));
    })(),
  ],
];

test.each([...lasting, ...immediate])('%s: every time is a date token, and only a date token', (_what, text) => {
  const tokens = [...text.matchAll(TOKEN)];
  expect(tokens.length).toBeGreaterThan(0);
  // The token's time and its fallback are the same instant.
  for (const [, unix, fallback] of tokens) expect(new Date(Number(unix) * 1000).toISOString().slice(0, 16).replace('T', ' ')).toBe(fallback);
  // No time outside a token.
  expect(text.replace(TOKEN, 'DATE')).not.toMatch(/\d{4}-\d\d-\d\d|\d\d:\d\d|UTC/);
});

test.each(lasting)('%s: no relative time that would go stale', (_what, text) => {
  expect(text).not.toMatch(RELATIVE);
});

test('slackDate: the reader sees their own time zone, and old clients the UTC time', () => {
  expect(slackDate(new Date('2026-12-01T09:00:30Z'))).toBe('<!date^1796115630^{date_short_pretty} {time}|2026-12-01 09:00 UTC>');
});
