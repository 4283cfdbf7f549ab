import fc from 'fast-check';
import { parseCommand, visibleText } from '../../src/domain/command';
import { decide } from '../../src/domain/policy';
import type { Grant } from '../../src/domain/grant';
import type { Message } from '../../src/domain/messages';
import type { AccessRequest } from '../../src/domain/request';
import { approvalCard, pendingMessage } from '../../src/slack/messages/approval';
import { grantCard, expiryReminder } from '../../src/slack/messages/token';
import { say, USAGE } from '../../src/slack/text/answers';
import { CATALOGUE, type Words } from '../../src/slack/text/words';
import { USAGE as ZH_USAGE } from '../../src/slack/text/zh-CN/answers';
import { cleanText, slackMarkup } from '../../src/slack/text/markup';
import { denyReasonSubmitted, reasonSubmitted } from '../../src/slack/views/request-views';
import { person, samplePolicy, U } from './fakes';

/** What people type to make the bot say something it did not mean: links, mentions, broadcasts, formatting, entities. */
const HOSTILE = [
  '&lt;https://evil.example|Re-authenticate here&gt;',
  '<https://evil.example|x>',
  '<https://evil.example>',
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<!subteam^S123|@oncall>',
  '<@U0EVIL1>',
  '<@U0EVIL1|boss>',
  '<#C0GENERAL>',
  '&amp;lt;!channel&amp;gt;',
  '&lt;!here&gt;',
  '*bold*',
  '<mailto:a@evil.example|support>',
  '<',
  '>',
  '&',
];

const typedText = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'grapheme', maxLength: 8 })), { maxLength: 6 }).map((parts) => parts.join(' ')),
  fc.string({ unit: 'binary', maxLength: 80 }),
);

const NOW = new Date('2030-01-01T12:00:00Z');

function request(overrides: Partial<AccessRequest>): AccessRequest {
  return {
    id: 'req0000001',
    requester: U.plat,
    role: 'admin',
    seconds: 3600,
    state: 'pending',
    createdAt: NOW,
    expiresAt: new Date(NOW.getTime() + 30 * 60_000),
    approvals: [],
    cards: [],
    ...overrides,
  };
}

function grant(reason: string): Grant {
  return { id: 'k3x9m2p7q4', userId: U.plat, role: 'admin', serviceAccount: 'karpor-admin', namespace: 'karpor', grantedAt: NOW, expiresAt: new Date(NOW.getTime() + 3600_000), reason, approvedBy: [U.appr1] };
}

/** Every message builder that can show typed text, each with `text` in every typed field, in one language. */
function everything(text: string, w: Words): string[] {
  const decided = { decidedBy: U.appr1, decidedAt: NOW };
  const reqs = [
    request({ reason: text }),
    request({ reason: text, state: 'denied', denyReason: text, ...decided }),
    request({ reason: text, state: 'cancelled', ...decided }),
    request({ reason: text, state: 'delivered', tokenExpiresAt: NOW, grantId: 'k3x9m2p7q4', ...decided }),
    request({ reason: text, state: 'failed', failure: text, ...decided }),
  ];
  const messages: Message[] = [
    { kind: 'your-request-denied', by: U.appr1, request: reqs[1]!, reason: text },
    ...reqs.map((r): Message => ({ kind: 'request-decided', request: r })),
    ...reqs.slice(1).map((r): Message => ({ kind: 'your-request-delivered', request: r })),
    ...reqs.slice(1).map((r): Message => ({ kind: 'your-request-failed', request: r })),
    { kind: 'status', grants: [grant(text)], requests: [reqs[0]!], now: NOW },
    { kind: 'revoked', grant: grant(text) },
    { kind: 'your-grant-revoked', by: U.admin, grant: grant(text) },
  ];
  const parsed = parseCommand(text, slackMarkup);
  if (!parsed.ok) messages.push(parsed.reason);
  const guest = parseCommand(`admin 1h -- ${text}`, slackMarkup);
  if (!guest.ok) messages.push(guest.reason);
  const blocks = [...reqs.map((r) => approvalCard(r, NOW, w)), ...reqs.map((r) => pendingMessage(r, w)), grantCard(grant(text), w), expiryReminder(grant(text), w)];
  return [...messages.map((m) => w.say(m)), ...blocks.map((b) => JSON.stringify(b))];
}

/** The mentions the bot itself writes (of the people in the request), which are meant; the usage line names `<role>` in code. */
/** The bot's own date tokens (`<!date^…|…>`), made from times it holds, never from typed text. */
const OWN_DATES = /<!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC>/g;
const OWN_MENTIONS = new RegExp(`<@(${Object.values(U).join('|')})>`, 'g');

describe('text people type never becomes markup for others', () => {
  test('the deny reason from the review cannot become a bot-branded link in the requester DM', () => {
    const reason = cleanText('&lt;https://evil.example|Re-authenticate here&gt;');
    const dm = say({ kind: 'your-request-denied', by: U.appr1, request: request({ state: 'denied' }), reason });
    expect(dm).not.toContain('<https://');
    expect(dm).toContain('&lt;https://evil.example|Re-authenticate here&gt;');
  });

  test.each(Object.entries(CATALOGUE))('any typed text in any message (%s): no link, mention or broadcast comes of it', (_language, w) => {
    fc.assert(
      fc.property(typedText, (text) => {
        for (const out of everything(text, w)) {
          // Everything left after the bot's own mentions and date tokens is literal: no `<` means no link, mention or broadcast.
          expect(out.replace(OWN_MENTIONS, '').replace(OWN_DATES, '').replaceAll(USAGE, '').replaceAll(ZH_USAGE, '')).not.toMatch(/</);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('a reason made only of invisible characters does not count', () => {
  const INVISIBLE = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u00ad', '\u180e'];
  const invisibles = fc.array(fc.constantFrom(...INVISIBLE, ' '), { minLength: 1, maxLength: 20 });

  test('in the command: an empty reason', () => {
    fc.assert(
      fc.property(invisibles, (chars) => {
        expect(parseCommand(`admin 1h -- ${chars.join('')}`, slackMarkup)).toEqual({ ok: false, reason: { kind: 'empty-reason' } });
      }),
    );
  });

  test('in the policy decision (the modal path): the reason is still needed', () => {
    const plat = person(U.plat, 'platform');
    fc.assert(
      fc.property(invisibles, (chars) => {
        const d = decide(samplePolicy(), plat, { role: 'admin', reason: chars.join('') });
        expect(d).toMatchObject({ kind: 'needs-approval', needsReason: true });
        expect(d).not.toHaveProperty('reason');
      }),
    );
  });

  test('visible text keeps its letters, without the invisible ones (no bidi reordering reaches the approvers)', () => {
    expect(visibleText('\u202eINC-42\u202c\u200b')).toBe('INC-42');
    const parsed = parseCommand('admin 1h -- fix \u2066prod\u2069', slackMarkup);
    expect(parsed).toEqual({ ok: true, command: { kind: 'request', role: 'admin', seconds: 3600, reason: 'fix prod' } });
  });

  test.each([
    ['reason', reasonSubmitted],
    ['deny reason', denyReasonSubmitted],
  ])('the %s modal asks again', async (_what, submitted) => {
    const acks: unknown[] = [];
    const view = { state: { values: { reason: { reason_input: { value: '\u200b\u202e\ufeff \u2060' } } } }, private_metadata: '{}' };
    const deps = { service: {}, approvals: {}, replyInDm: () => async () => undefined } as never;
    await submitted(deps)({ ack: (async (a: unknown) => void acks.push(a)) as never, body: { user: { id: U.plat } } as never, view: view as never });
    expect(acks).toEqual([{ response_action: 'errors', errors: { reason: expect.any(String) } }]);
  });
});
