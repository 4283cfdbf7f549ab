import fc from 'fast-check';
import { GRANT_ID, MAX_REASON, parseCommand, type ParseResult } from '../../src/domain/command';
import { formatDuration, parseDuration } from '../../src/domain/duration';
import { isSlackUserId, slackMarkup } from '../../src/slack/text/markup';
import { say } from '../../src/slack/text/answers';
import { ConfigError, loadSettings, type Settings } from '../../src/config/env';
import { policyFrom } from '../../src/config/policy-file';
import { MIN_SECONDS, type Policy } from '../../src/domain/policy';

const RUNS = { numRuns: 2000 };
const ROLE = /^[a-z][a-z0-9-]{0,31}$/;

/** Words people (and attackers) type, Slack's own markup, and look-alikes. */
const WORDS = [
  'guest', 'admin', 'karpor-admin', 'help', 'status', 'revoke', 'all', 'ALL', 'Guest', '--', '---', '--reason', '-',
  '<@U123ABC|bob>', '<@U123ABC>', '<@u1>', '<#C123|general>', '<!here>', '<!channel>', '<!subteam^S123|@oncall>',
  '<https://evil.example/x|click me>', '<https://example.com>', '<mailto:a@b.c|a@b.c>', '<>', '<|>', '<@>', '<!>',
  '&lt;', '&gt;', '&amp;', '&amp;lt;', '&lt;@U1&gt;', 'abcdefghjk', 'k3x9m2p7q4', 'ABCDEFGHJK',
  '30m', '8h', '1h30m', '2d', '1d2h3m', '0m', '1.5h', '-1h', 'h', '1h1d', '99999999h', '9999d9999h99999m', '1e309m',
  `${Number.MAX_SAFE_INTEGER}m`, `${'9'.repeat(400)}h`, 'Infinityh', 'NaNm', '0x10m', '１h', '٣h', '1ｈ',
  'ｇｕｅｓｔ', 'gu\u0435st', '\u0430dmin', '\u212Aarpor-admin', 'adm\u0131n', 'ADM\u0130N', 'guest\u200b', '\u202eguest',
  '\u0000', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\ud800', '\udfff', '😀', 'e\u0301', '*bold*', '_x_', '`code`', '~s~',
];
const SEPARATORS = [' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u3000', '\u2028', '\u200b', ''];

const word = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.tuple(fc.oneof(fc.integer(), fc.bigInt().map(String), fc.double().map(String)), fc.constantFrom('d', 'h', 'm', 'D', 'H', 'M', 's', '')).map(([n, u]) => `${n}${u}`) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,40}$/) },
);

const commandText = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.tuple(word, fc.constantFrom(...SEPARATORS)), { maxLength: 12 }).map((parts) => parts.map(([w, s]) => w + s).join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 480, maxLength: 1100 }) },
  { weight: 1, arbitrary: fc.tuple(word, fc.constantFrom(...SEPARATORS), fc.string({ unit: 'grapheme', minLength: 400, maxLength: 700 })).map(([w, s, r]) => `admin 1h -- ${w}${s}${r}`) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'x'.repeat(100_000), `guest -- ${'&amp;'.repeat(199)}`, `guest -- ${'<@U1|x>'.repeat(140)}`, '--'.repeat(600)) },
);

function checkParse(text: string, result: ParseResult): void {
  if (!result.ok) {
    const text = say(result.reason);
    expect(typeof text).toBe('string');
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(1000);
    return;
  }
  const command = result.command;
  switch (command.kind) {
    case 'help':
    case 'status':
      expect(Object.keys(command)).toEqual(['kind']);
      break;
    case 'request':
      expect(command.role).toMatch(ROLE);
      if (command.seconds !== undefined) {
        expect(Number.isFinite(command.seconds)).toBe(true);
        expect(Number.isInteger(command.seconds)).toBe(true);
        expect(command.seconds).toBeGreaterThan(0);
        expect(command.seconds % 60).toBe(0);
      }
      if (command.reason !== undefined) {
        expect(command.reason.length).toBeGreaterThan(0);
        expect(command.reason.length).toBeLessThanOrEqual(MAX_REASON);
        expect(command.reason).toBe(command.reason.trim());
      }
      break;
    case 'revoke': {
      const t = command.target;
      if ('mine' in t) expect(t).toEqual({ mine: 'all' });
      else if ('grantId' in t) expect(t.grantId).toMatch(GRANT_ID);
      else expect(isSlackUserId(t.userId)).toBe(true);
      break;
    }
    default:
      throw new Error(`unknown command ${JSON.stringify(command)} from ${JSON.stringify(text)}`);
  }
}

describe('parseCommand never throws and only returns sane commands', () => {
  test('structured and random command text', () => {
    fc.assert(
      fc.property(commandText, (text) => {
        checkParse(text, parseCommand(text, slackMarkup));
      }),
      RUNS,
    );
  });

  test('any role-shaped word with any duration-shaped word', () => {
    fc.assert(
      fc.property(word, word, fc.option(fc.string({ unit: 'binary', maxLength: 600 })), (role, duration, reason) => {
        const text = `${role} ${duration}${reason === null ? '' : ` -- ${reason}`}`;
        checkParse(text, parseCommand(text, slackMarkup));
      }),
      RUNS,
    );
  });

  test('a request is only ever for the role typed, lower-cased', () => {
    fc.assert(
      fc.property(commandText, (text) => {
        const result = parseCommand(text, slackMarkup);
        if (result.ok && result.command.kind === 'request') {
          expect(text.toLowerCase()).toContain(result.command.role);
        }
      }),
      RUNS,
    );
  });
});

describe('parseDuration', () => {
  test('any string: ok with a positive whole number of minutes, or a reason', () => {
    fc.assert(
      fc.property(fc.oneof(word, fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
        const d = parseDuration(text);
        if (d.ok) {
          expect(Number.isSafeInteger(d.seconds)).toBe(true);
          expect(d.seconds).toBeGreaterThan(0);
          expect(d.seconds % 60).toBe(0);
          expect(d.seconds).toBeLessThanOrEqual(9999 * 86_400 + 9999 * 3600 + 99_999 * 60);
        } else {
          expect(say(d.reason).length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  test('format → parse is the identity on whole minutes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 * 1440 }), (minutes) => {
        expect(parseDuration(formatDuration(minutes * 60))).toEqual({ ok: true, seconds: minutes * 60 });
      }),
      RUNS,
    );
  });

  test('parse → format → parse keeps the value', () => {
    fc.assert(
      fc.property(fc.nat({ max: 9999 }), fc.nat({ max: 9999 }), fc.nat({ max: 99_999 }), fc.boolean(), (d, h, m, upper) => {
        const text = `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}`;
        const parsed = parseDuration(upper ? text.toUpperCase() : text);
        if (!parsed.ok) return;
        expect(parsed.seconds).toBe(d * 86_400 + h * 3600 + m * 60);
        // Past 9999 days the canonical form has more digits than the parser reads.
        if (parsed.seconds >= 10_000 * 86_400) return;
        expect(parseDuration(formatDuration(parsed.seconds))).toEqual(parsed);
      }),
      RUNS,
    );
  });
});

/** Throws whatever fn throws unless it is a ConfigError with problems; returns the result otherwise. */
function configOrError<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    for (const p of err.problems) expect(typeof p).toBe('string');
    return undefined;
  }
}

const durationText = fc.oneof(fc.constantFrom('10m', '1h', '8h', '1d', '365d', '366d', '5m', '0m', '1.5h', '', 'forever', '9999d'), word);
const groupList = fc.array(fc.oneof(fc.constantFrom('engineers', 'S0ENG', 'on call', '', 'a'.repeat(81)), fc.string({ maxLength: 10 })), { maxLength: 3 });
const userList = fc.array(fc.oneof(fc.constantFrom('U0123', 'W0ABC', 'alice', 'u123', 'alice@example.com'), fc.string({ maxLength: 10 })), { maxLength: 3 });
const approvalDoc = fc.oneof(
  fc.constantFrom('none', 'None', '', null, 0, true),
  fc.record(
    { groups: groupList, users: userList, count: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom('2', 1.5, null)), timeout: durationText, reasonRequired: fc.oneof(fc.boolean(), fc.constantFrom('yes', 0)), approvers: fc.anything() },
    { requiredKeys: [] },
  ),
);
const roleDoc = fc.record(
  {
    clusterRole: fc.oneof(fc.constantFrom('karpor-admin', 'karpor-guest', 'Karpor Guest', ''), fc.string({ maxLength: 10 })),
    groups: groupList,
    users: userList,
    defaultDuration: fc.oneof(durationText, fc.integer()),
    maxDuration: fc.oneof(durationText, fc.integer()),
    approval: approvalDoc,
    namespace: fc.string(),
  },
  { requiredKeys: [] },
);
const policyDoc = fc.oneof(
  { weight: 4, arbitrary: fc.record(
    {
      identity: fc.oneof(fc.record({ mode: fc.constantFrom('shared', 'per-user', 'personal', 1), prefix: fc.oneof(fc.constantFrom('karpor', 'Karpor', 'k'.repeat(22)), fc.string()) }, { requiredKeys: [] }), fc.anything()),
      approvalsChannel: fc.oneof(fc.constantFrom('C0123', 'G0123', '#ops', 'c0123'), fc.string()),
      revokers: fc.oneof(fc.record({ groups: groupList, users: userList }, { requiredKeys: [] }), fc.anything()),
      roles: fc.oneof(
        fc.dictionary(fc.oneof(fc.constantFrom('guest', 'admin', 'Bad Name', '__proto__', 'constructor', 'toString', ''), fc.stringMatching(/^[a-z][a-z0-9-]{0,34}$/)), roleDoc, { maxKeys: 4 }),
        fc.anything(),
      ),
      extra: fc.anything(),
    },
    { requiredKeys: ['roles'] },
  ) },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true, stringUnit: 'binary' }) },
);

function checkPolicy(policy: Policy): void {
  expect(policy.roles.length).toBeGreaterThan(0);
  expect(['shared', 'per-user']).toContain(policy.identity.mode);
  for (const role of policy.roles) {
    expect(role.alias).toMatch(ROLE);
    expect(role.allowed.groups.length + role.allowed.users.length).toBeGreaterThan(0);
    expect(role.defaultSeconds).toBeGreaterThanOrEqual(MIN_SECONDS);
    expect(role.defaultSeconds).toBeLessThanOrEqual(role.maxSeconds);
    expect(role.maxSeconds).toBeLessThanOrEqual(8760 * 3600);
    for (const u of role.allowed.users) expect(isSlackUserId(u)).toBe(true);
    if (role.approval) {
      expect(Number.isInteger(role.approval.count)).toBe(true);
      expect(role.approval.count).toBeGreaterThanOrEqual(1);
      expect(role.approval.count).toBeLessThanOrEqual(10);
      expect(role.approval.groups.length + role.approval.users.length).toBeGreaterThan(0);
      expect(role.approval.timeoutSeconds).toBeGreaterThan(0);
    }
  }
}

describe('policyFrom returns a Policy or throws a ConfigError, nothing else', () => {
  test('random and near-valid documents', () => {
    fc.assert(
      fc.property(policyDoc, (doc) => {
        const policy = configOrError(() => policyFrom(doc));
        if (policy) checkPolicy(policy);
      }),
      RUNS,
    );
  });

  test('a valid document with one random role stays valid or names that role', () => {
    fc.assert(
      fc.property(roleDoc, (role) => {
        const doc = { roles: { guest: { clusterRole: 'karpor-guest', groups: ['engineers'] }, other: role } };
        try {
          checkPolicy(policyFrom(doc));
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          for (const p of err.problems) expect(p).toMatch(/^roles\.other\b/);
        }
      }),
      RUNS,
    );
  });
});

const ENV_NAMES = [
  'SLACK_BOT_TOKEN', 'SLACK_MODE', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_API_URL', 'HUB_KUBECONFIG', 'HUB_KUBECONFIG_CONTEXT',
  'HUB_IN_CLUSTER', 'HUB_KUBECONFIG_CONFIGMAP', 'HUB_SERVER', 'HUB_NAMESPACE', 'HUB_TIMEOUT_MS', 'POLICY_FILE', 'PORT', 'LOG_LEVEL', 'KARPOR_DASHBOARD_URL',
];
const GOOD_VALUES = [
  'xoxb-1-2', 'xapp-1', 'http', 'socket', 'true', 'false', '/k', 'karpor/kc:config', 'karpor/kc', 'https://x.example', 'default', '3000', '0', '65535', '65536',
  '5000', 'info', 'debug', '', ' ', '-1', '1e3', '0x50', 'NaN', 'Infinity',
];
/** Values carrying a marker that must never appear in an error message. */
const secretValue = fc.tuple(fc.constantFrom('', 'xoxb-', 'xapp-', 'https://', 'karpor/'), fc.string({ unit: 'binary-ascii', maxLength: 8 })).map(([prefix, tail]) => `${prefix}ZQSECRET${tail}`);
const envMap = fc.dictionary(
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ENV_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...GOOD_VALUES) }, { weight: 2, arbitrary: secretValue }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) }),
  { maxKeys: 16 },
);

function checkSettings(s: Settings): void {
  expect(s.slack.botToken.startsWith('xoxb-')).toBe(true);
  if (s.slack.mode === 'http') expect(s.slack.signingSecret).toBeTruthy();
  else expect(s.slack.appToken?.startsWith('xapp-')).toBe(true);
  expect(Number.isInteger(s.port)).toBe(true);
  expect(s.port).toBeGreaterThanOrEqual(0);
  expect(s.port).toBeLessThanOrEqual(65_535);
  expect(['kubeconfig', 'in-cluster', 'configmap']).toContain(s.hub.source.kind);
  expect(Number.isInteger(s.hub.timeoutMs)).toBe(true);
}

describe('loadSettings returns Settings or throws a ConfigError, and never echoes a value', () => {
  test('random environments', () => {
    fc.assert(
      fc.property(envMap, (env) => {
        try {
          checkSettings(loadSettings(env));
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          expect(err.problems.length).toBeGreaterThan(0);
          expect(err.message).not.toContain('ZQSECRET');
        }
      }),
      RUNS,
    );
  });

  test('values of any type', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...ENV_NAMES), fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withNullPrototype: true }), { maxKeys: 16 }), (env) => {
        const settings = configOrError(() => loadSettings(env as NodeJS.ProcessEnv));
        if (settings) checkSettings(settings);
      }),
      RUNS,
    );
  });
});
