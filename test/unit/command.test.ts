import { MAX_COMMAND_TEXT, MAX_REASON, parseCommand, type Command } from '../../src/domain/command';
import { say, USAGE } from '../../src/slack/text/answers';
import { escapeMrkdwn, isSlackUserId, mentionedUser, plainFromSlack, slackMarkup } from '../../src/slack/text/markup';

function okCommand(text: string): Command {
  const result = parseCommand(text, slackMarkup);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${say(result.reason)}`);
  return result.command;
}

function reasonFor(text: string): string {
  const result = parseCommand(text, slackMarkup);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused, got ${JSON.stringify(result.command)}`);
  return say(result.reason);
}

describe('parseCommand: every form', () => {
  test.each<[string, Command]>([
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['\n\t', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    [' help ', { kind: 'help' }],
    ['status', { kind: 'status' }],
    ['Status', { kind: 'status' }],
    ['guest', { kind: 'request', role: 'guest' }],
    ['Guest', { kind: 'request', role: 'guest' }],
    ['karpor-admin2', { kind: 'request', role: 'karpor-admin2' }],
    ['guest 8h', { kind: 'request', role: 'guest', seconds: 8 * 3600 }],
    ['guest 1h30m', { kind: 'request', role: 'guest', seconds: 5400 }],
    ['guest\t8h', { kind: 'request', role: 'guest', seconds: 8 * 3600 }],
    ['  guest    2D  ', { kind: 'request', role: 'guest', seconds: 2 * 86_400 }],
    ['admin 2h -- reason text with -- inside', { kind: 'request', role: 'admin', seconds: 7200, reason: 'reason text with -- inside' }],
    ['admin -- why', { kind: 'request', role: 'admin', reason: 'why' }],
    ['admin 2h --   padded reason   ', { kind: 'request', role: 'admin', seconds: 7200, reason: 'padded reason' }],
    ['admin 2h --\nline one\nline two', { kind: 'request', role: 'admin', seconds: 7200, reason: 'line one\nline two' }],
    ['admin 2h -- --', { kind: 'request', role: 'admin', seconds: 7200, reason: '--' }],
    ['admin 30m -- a--b', { kind: 'request', role: 'admin', seconds: 1800, reason: 'a--b' }],
    ['revoke', { kind: 'revoke', target: { mine: 'all' } }],
    ['revoke all', { kind: 'revoke', target: { mine: 'all' } }],
    ['REVOKE ALL', { kind: 'revoke', target: { mine: 'all' } }],
    ['revoke <@U123ABC|bob>', { kind: 'revoke', target: { userId: 'U123ABC' } }],
    ['revoke <@U123ABC>', { kind: 'revoke', target: { userId: 'U123ABC' } }],
    ['revoke <@W0ENTERPRISE>', { kind: 'revoke', target: { userId: 'W0ENTERPRISE' } }],
    ['revoke abcdefghjk', { kind: 'revoke', target: { grantId: 'abcdefghjk' } }],
    ['revoke k3x9m2p7q4', { kind: 'revoke', target: { grantId: 'k3x9m2p7q4' } }],
  ])('%j', (text, command) => {
    expect(parseCommand(text, slackMarkup)).toEqual({ ok: true, command });
  });

  test('a request without duration or reason carries neither key', () => {
    const command = okCommand('guest');
    expect(Object.keys(command).sort()).toEqual(['kind', 'role']);
  });

  test.each<[string, string]>([
    ['admin -- ask <@U123|bob> first', 'ask @bob first'],
    ['admin -- ask <@U123> first', 'ask @U123 first'],
    ['admin -- see <#C0123|incidents>', 'see #incidents'],
    ['admin -- see <#C0123>', 'see #C0123'],
    ['admin -- <!here> look', '@here look'],
    ['admin -- <!channel>', '@channel'],
    ['admin -- page <!subteam^S0123|@oncall>', 'page @oncall'],
    ['admin -- page <!subteam^S0123>', 'page @subteam'],
    ['admin -- see <https://jira.example.com/browse/OPS-1|OPS-1>', 'see OPS-1 (https://jira.example.com/browse/OPS-1)'],
    ['admin -- see <https://example.com/x>', 'see https://example.com/x'],
    ['admin -- mail <mailto:a@example.com|a@example.com>', 'mail a@example.com (mailto:a@example.com)'],
    ['admin -- a &lt;b&gt; &amp; c', 'a <b> & c'],
    ['admin -- &lt;@U999&gt; is literal', '<@U999> is literal'],
    ['admin -- &amp;lt; stays encoded once', '&lt; stays encoded once'],
    ['admin -- fix &lt;https://x|y&gt;', 'fix <https://x|y>'],
  ])('reason of %j is the plain text %j', (text, reason) => {
    const command = okCommand(text);
    expect(command).toEqual({ kind: 'request', role: 'admin', reason });
  });

  test('a reason of exactly the maximum length is accepted', () => {
    const command = okCommand(`admin -- ${'r'.repeat(MAX_REASON)}`);
    expect(command.kind === 'request' && command.reason?.length).toBe(MAX_REASON);
  });

  test('the reason is measured as plain text, after Slack escapes are undone', () => {
    const command = okCommand(`admin -- ${'&amp;'.repeat(150)}`);
    expect(command.kind === 'request' && command.reason).toBe('&'.repeat(150));
    expect(reasonFor(`admin -- ${'x'.repeat(400)}${'&amp;'.repeat(MAX_REASON - 400 + 1)}`)).toContain(`The reason is ${MAX_REASON + 1} characters`);
  });

  test('a command of exactly the maximum length is read', () => {
    expect(okCommand(`help${' '.repeat(MAX_COMMAND_TEXT - 4)}`)).toEqual({ kind: 'help' });
  });
});

describe('parseCommand: every refusal', () => {
  test.each<[string, string, string[]]>([
    ['extra word after the duration', 'guest 8h please', ['Unexpected "please" after the duration.', USAGE]],
    ['two durations', 'guest 8h 2h', ['Unexpected "2h" after the duration.']],
    ['help with a word', 'help extra', ['`help` takes nothing after it.', USAGE]],
    ['help with a reason', 'help -- why', ['`help` takes nothing after it.']],
    ['status with a word', 'status now', ['`status` takes nothing after it.', USAGE]],
    ['status with a reason', 'STATUS -- why', ['`status` takes nothing after it.']],
    ['role with punctuation', 'Admin!', ['"Admin!" is not a role name.', USAGE]],
    ['role starting with a digit', '9lives', ['"9lives" is not a role name.']],
    ['role starting with a dash', '-x', ['"-x" is not a role name.']],
    ['role with an underscore', 'karpor_admin', ['"karpor?admin" is not a role name.']],
    ['role too long', 'a'.repeat(33), [`"${'a'.repeat(24)}…" is not a role name.`]],
    ['role with a dot', 'guest.8h', ['"guest.8h" is not a role name.']],
    ['role in Cyrillic look-alikes', 'gu\u0435st', ['is not a role name.']],
    ['role in fullwidth letters', 'ｇｕｅｓｔ', ['"ｇｕｅｓｔ" is not a role name.']],
    ['role that is a mention', '<@U123|bob>', ['"?@U123|bob?" is not a role name.']],
    ['role with NUL inside', 'guest\u00008h', ['"guest?8h" is not a role name.']],
    ['role after an escape sequence', '\u001b[31mguest', ['"?[31mguest" is not a role name.']],
    ['role with a bell', 'gu\u0007est 8h', ['"gu?est" is not a role name.']],
    ['duration with a control character', 'guest 8h\u0007', ['"8h?" is not a duration.']],
    ['bad duration', 'guest 1.5h', ['"1.5h" is not a duration.', 'like 30m, 8h, 1h30m or 2d']],
    ['negative duration', 'guest -1h', ['"-1h" is not a duration.']],
    ['wrong order', 'guest 1h1d', ['"1h1d" is not a duration.']],
    ['zero duration', 'guest 0m', ['A duration must be longer than zero.']],
    ['overflowing duration', 'guest 99999999h', ['"99999999h" is not a duration.']],
    ['fullwidth duration', 'guest １h', ['"１h" is not a duration.']],
    ['flag-like word', 'guest --reason', ['"--reason" is not a duration.']],
    ['reason without a role', '-- I need it', ['A reason needs a role before it.', USAGE]],
    ['lone separator', '--', ['A reason needs a role before it.']],
    ['empty reason', 'admin 2h --', ['The reason after `--` is empty.', 'leave out the `--`']],
    ['blank reason', 'admin 2h --    \n ', ['The reason after `--` is empty.']],
    ['reason too long', `admin -- ${'r'.repeat(MAX_REASON + 1)}`, [`The reason is ${MAX_REASON + 1} characters; the most is ${MAX_REASON}.`]],
    ['command too long', 'x'.repeat(MAX_COMMAND_TEXT + 1), [`That command is ${MAX_COMMAND_TEXT + 1} characters long; the most is ${MAX_COMMAND_TEXT}.`]],
    ['huge command', `guest 8h -- ${'y'.repeat(1_000_000)}`, ['That command is 1000012 characters long']],
    ['revoke with two things', 'revoke abcdefghjk all', ['`revoke` takes one thing: a grant id, `all`, or @person.', USAGE]],
    ['revoke with a reason', 'revoke all -- done', ['`revoke` takes no reason.']],
    ['revoke with a bare reason', 'revoke -- done', ['`revoke` takes no reason.']],
    ['revoke a word', 'revoke nope', ['"nope" is not a grant id (see `/karpor-token status`), `all` or @person.']],
    ['revoke an upper-case id', 'revoke ABCDEFGHJK', ['"ABCDEFGHJK" is not a grant id']],
    ['revoke a short id', 'revoke abcdefghj', ['"abcdefghj" is not a grant id']],
    ['revoke a long id', 'revoke abcdefghjkm', ['"abcdefghjkm" is not a grant id']],
    ['revoke a lower-case mention', 'revoke <@u123abc>', ['"?@u123abc?" is not a grant id']],
    ['revoke a channel', 'revoke <#C123|general>', ['"?#C123|general?" is not a grant id']],
    ['revoke @here', 'revoke <!here>', ['"?!here?" is not a grant id']],
    ['revoke a typed name', 'revoke @bob', ['"@bob" is not a grant id']],
  ])('%s', (_what, text, fragments) => {
    const reason = reasonFor(text);
    for (const fragment of fragments) expect(reason).toContain(fragment);
  });

  test.each([
    ['guest <!here>*x*', '"?!here??x?"'],
    ['<script>alert(1)</script>', '"?script?alert(1)?/script…"'],
    ['`rm -rf`', '"?rm"'],
  ])('echoed input %j cannot ping, link or format (%s)', (text, shown) => {
    const reason = reasonFor(text);
    expect(reason).toContain(shown);
    expect(reason).not.toMatch(/<[!@#]/);
  });

  test('an echoed word is cut short', () => {
    const reason = reasonFor(`${'Z'.repeat(200)} 8h`);
    expect(reason).toContain(`"${'Z'.repeat(24)}…" is not a role name.`);
    expect(reason).not.toContain('Z'.repeat(25));
  });
});

describe('slack-text helpers', () => {
  test.each<[string, string | undefined]>([
    ['<@U123ABC|bob>', 'U123ABC'],
    ['<@U123ABC>', 'U123ABC'],
    ['<@W123>', 'W123'],
    ['<@U1>', undefined],
    ['<@u123abc>', undefined],
    ['<@B123ABC>', undefined],
    ['<#C123ABC>', undefined],
    ['<@U123ABC> ', undefined],
    ['x<@U123ABC>', undefined],
    ['U123ABC', undefined],
  ])('mentionedUser(%j) is %j', (word, id) => {
    expect(mentionedUser(word)).toBe(id);
  });

  test.each<[string, boolean]>([
    ['U123', true],
    ['W0ABC', true],
    ['U12', true],
    ['U1', false],
    ['u123', false],
    ['S123', false],
    ['bob', false],
    [`U${'1'.repeat(21)}`, false],
  ])('isSlackUserId(%j) is %j', (id, expected) => {
    expect(isSlackUserId(id)).toBe(expected);
  });

  test.each<[string, string]>([
    ['a <b> & c', 'a &lt;b&gt; &amp; c'],
    ['<!here>', '&lt;!here&gt;'],
    ['&amp;', '&amp;amp;'],
  ])('escapeMrkdwn(%j) is %j', (text, escaped) => {
    expect(escapeMrkdwn(text)).toBe(escaped);
  });

  test.each(['a <b> & c', '<!here> <@U1|x>', '&lt; &amp; &gt;', 'plain'])('plainFromSlack undoes escapeMrkdwn for %j', (text) => {
    expect(plainFromSlack(escapeMrkdwn(text))).toBe(text);
  });
});
