import { ConfigError, loadSettings, type Settings } from '../../src/config/env';
import { policyFrom } from '../../src/config/policy-file';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const http = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_MODE: 'http', SLACK_SIGNING_SECRET: 'signing', HUB_IN_CLUSTER: 'true' };
// Socket Mode is the default.
const socket = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_APP_TOKEN: 'xapp-1-abc', HUB_KUBECONFIG: '/etc/karpor/kubeconfig' };

describe('loadSettings: good environments', () => {
  test.each<[string, NodeJS.ProcessEnv, Settings]>([
    [
      'http mode with defaults',
      http,
      {
        slack: { botToken: 'xoxb-1-2-abc', mode: 'http', signingSecret: 'signing' },
        hub: { source: { kind: 'in-cluster' }, namespace: 'karpor-token-bot', timeoutMs: 10_000 },
        policyFile: 'policy.yaml',
        port: 3000,
        logLevel: 'info',
      },
    ],
    [
      'socket mode (the default) with a kubeconfig and context',
      { ...socket, HUB_KUBECONFIG_CONTEXT: 'karpor', PORT: '8080', LOG_LEVEL: 'debug', HUB_NAMESPACE: 'karpor-bot', HUB_TIMEOUT_MS: '2500', POLICY_FILE: '/etc/karpor/policy.yaml', HUB_CREDENTIAL_SECRET: 'bots/bot-hub' },
      {
        slack: { botToken: 'xoxb-1-2-abc', mode: 'socket', appToken: 'xapp-1-abc' },
        hub: {
          source: { kind: 'kubeconfig', path: '/etc/karpor/kubeconfig', context: 'karpor' },
          namespace: 'karpor-bot',
          timeoutMs: 2500,
          credentialSecret: { namespace: 'bots', name: 'bot-hub', key: 'kubeconfig' },
        },
        policyFile: '/etc/karpor/policy.yaml',
        port: 8080,
        logLevel: 'debug',
      },
    ],
    [
      'a kubeconfig from a ConfigMap, with a server and a dashboard',
      { ...http, HUB_IN_CLUSTER: 'false', HUB_KUBECONFIG_CONFIGMAP: 'karpor/karpor-kubeconfig:config', HUB_ALLOW_SUPERUSER: 'true', HUB_SERVER: 'https://karpor-server.karpor.svc:7443', KARPOR_DASHBOARD_URL: 'https://karpor.example.com', SLACK_API_URL: 'http://127.0.0.1:9999/api/' },
      {
        slack: { botToken: 'xoxb-1-2-abc', mode: 'http', signingSecret: 'signing', apiUrl: 'http://127.0.0.1:9999/api/' },
        hub: { source: { kind: 'configmap', namespace: 'karpor', name: 'karpor-kubeconfig', key: 'config', server: 'https://karpor-server.karpor.svc:7443' }, namespace: 'karpor-token-bot', timeoutMs: 10_000 },
        policyFile: 'policy.yaml',
        port: 3000,
        logLevel: 'info',
        dashboardUrl: 'https://karpor.example.com',
      },
    ],
    [
      'a ConfigMap without a key reads "config"',
      { ...http, HUB_IN_CLUSTER: undefined, HUB_KUBECONFIG_CONFIGMAP: 'karpor/kc', HUB_ALLOW_SUPERUSER: 'true' },
      {
        slack: { botToken: 'xoxb-1-2-abc', mode: 'http', signingSecret: 'signing' },
        hub: { source: { kind: 'configmap', namespace: 'karpor', name: 'kc', key: 'config' }, namespace: 'karpor-token-bot', timeoutMs: 10_000 },
        policyFile: 'policy.yaml',
        port: 3000,
        logLevel: 'info',
      },
    ],
  ])('%s', (_what, env, settings) => {
    expect(loadSettings(env)).toEqual(settings);
  });

  test('empty values count as unset', () => {
    expect(loadSettings({ ...http, PORT: '', SLACK_APP_TOKEN: '', HUB_KUBECONFIG: '', LOG_LEVEL: '' })).toMatchObject({ port: 3000, logLevel: 'info', hub: { source: { kind: 'in-cluster' } } });
  });

  test('unrelated variables are ignored', () => {
    expect(loadSettings({ ...http, PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production' }).port).toBe(3000);
  });

  test('socket mode needs no signing secret, http mode no app token', () => {
    expect(loadSettings(socket).slack).not.toHaveProperty('signingSecret');
    expect(loadSettings(http).slack).not.toHaveProperty('appToken');
  });
});

describe('loadSettings: bad environments', () => {
  test('every problem is listed at once, by name', () => {
    const problems = problemsOf(() =>
      loadSettings({ SLACK_MODE: 'http', HUB_KUBECONFIG: '/k', HUB_IN_CLUSTER: 'true', PORT: '99999', SLACK_APP_TOKEN: 'wrong-prefix' }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SLACK_BOT_TOKEN: is required/),
        expect.stringMatching(/^SLACK_APP_TOKEN: must be an app-level token, starting with xapp-/),
        expect.stringMatching(/^SLACK_SIGNING_SECRET: is required in http mode/),
        expect.stringMatching(/^HUB_KUBECONFIG: set exactly one way to reach the Karpor hub \(found 2\)/),
        expect.stringMatching(/^PORT: /),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  test('the message never contains the values given, secrets least of all', () => {
    const secrets = {
      SLACK_BOT_TOKEN: 'xoxp-user-token-secret-1',
      SLACK_SIGNING_SECRET: 'super-secret-value',
      SLACK_APP_TOKEN: 'xoxb-app-token-secret-2',
      SLACK_API_URL: 'not a url secret-3',
      HUB_KUBECONFIG: '/secret-4/kubeconfig',
      HUB_IN_CLUSTER: 'secret-5',
      HUB_KUBECONFIG_CONFIGMAP: 'Secret-6',
      HUB_SERVER: 'secret-7',
      HUB_NAMESPACE: 'Secret_8',
      HUB_TIMEOUT_MS: 'secret-9',
      PORT: 'secret-10',
      LOG_LEVEL: 'secret-11',
      KARPOR_DASHBOARD_URL: 'secret-12',
      SLACK_MODE: 'secret-13',
    };
    const err = errorOf(() => loadSettings(secrets));
    expect(err.problems.length).toBeGreaterThanOrEqual(13);
    for (const value of Object.values(secrets)) {
      expect(err.message).not.toContain(value);
      expect(err.problems.join('\n')).not.toContain(value);
    }
    expect(err.message).not.toMatch(/secret-\d/);
  });

  test('the signing secret is not echoed when other settings are wrong', () => {
    const err = errorOf(() => loadSettings({ SLACK_SIGNING_SECRET: 'super-secret-value', SLACK_BOT_TOKEN: 'nope', PORT: '-1' }));
    expect(err.message).toMatch(/^The environment is not valid:\n {2}- /);
    expect(err.message).not.toContain('super-secret-value');
    expect(err.message).not.toContain('nope');
  });

  test.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['missing bot token', { ...http, SLACK_BOT_TOKEN: undefined }, /^SLACK_BOT_TOKEN: is required: the bot token/],
    ['a user token as bot token', { ...http, SLACK_BOT_TOKEN: 'xoxp-1' }, /^SLACK_BOT_TOKEN: must be a bot token, starting with xoxb-$/],
    ['an app token with the wrong prefix', { ...socket, SLACK_APP_TOKEN: 'xoxb-2' }, /^SLACK_APP_TOKEN: must be an app-level token/],
    ['missing signing secret in http mode', { ...http, SLACK_SIGNING_SECRET: undefined }, /^SLACK_SIGNING_SECRET: is required in http mode/],
    ['missing app token in socket mode', { ...socket, SLACK_APP_TOKEN: undefined }, /^SLACK_APP_TOKEN: is required in socket mode/],
    ['unknown mode', { ...http, SLACK_MODE: 'websocket' }, /^SLACK_MODE: must be "http" .* or "socket"/],
    ['no hub source', { ...http, HUB_IN_CLUSTER: 'false' }, /^HUB_KUBECONFIG: set exactly one way to reach the Karpor hub \(found 0\)/],
    ['two hub sources', { ...http, HUB_KUBECONFIG: '/k' }, /^HUB_KUBECONFIG: set exactly one way .*\(found 2\)/],
    ['three hub sources', { ...http, HUB_KUBECONFIG: '/k', HUB_KUBECONFIG_CONFIGMAP: 'karpor/kc' }, /\(found 3\)/],
    ['ConfigMap reference without a namespace', { ...http, HUB_IN_CLUSTER: undefined, HUB_KUBECONFIG_CONFIGMAP: 'karpor-kubeconfig' }, /^HUB_KUBECONFIG_CONFIGMAP: must look like <namespace>\/<name>\[:<key>\]/],
    ['Karpor\'s superuser kubeconfig without the explicit opt-in', { ...http, HUB_IN_CLUSTER: undefined, HUB_KUBECONFIG_CONFIGMAP: 'karpor/karpor-kubeconfig' }, /^HUB_KUBECONFIG_CONFIGMAP: makes the bot a hub superuser .*setup-hub.*HUB_ALLOW_SUPERUSER=true/],
    ['a credential Secret without a kubeconfig to renew', { ...http, HUB_CREDENTIAL_SECRET: 'bots/hub' }, /^HUB_CREDENTIAL_SECRET: stores the bot's renewed HUB_KUBECONFIG/],
    ['a credential Secret that is not <namespace>/<name>', { ...socket, HUB_CREDENTIAL_SECRET: 'hub' }, /^HUB_CREDENTIAL_SECRET: must look like/],
    ['port too big', { ...http, PORT: '99999' }, /^PORT: /],
    ['port negative', { ...http, PORT: '-1' }, /^PORT: /],
    ['port not a number', { ...http, PORT: 'http' }, /^PORT: must be a port number$/],
    ['port fractional', { ...http, PORT: '80.5' }, /^PORT: /],
    ['timeout too short', { ...http, HUB_TIMEOUT_MS: '10' }, /^HUB_TIMEOUT_MS: /],
    ['namespace upper case', { ...http, HUB_NAMESPACE: 'Karpor' }, /^HUB_NAMESPACE: must be a Kubernetes namespace name$/],
    ['log level', { ...http, LOG_LEVEL: 'verbose' }, /^LOG_LEVEL: /],
    ['dashboard not a URL', { ...http, KARPOR_DASHBOARD_URL: 'karpor.example.com' }, /^KARPOR_DASHBOARD_URL: must be the URL of your Karpor dashboard$/],
  ])('%s', (_what, env, problem) => {
    const problems = problemsOf(() => loadSettings(env));
    expect(problems).toEqual([expect.stringMatching(problem)]);
  });

  test('HUB_IN_CLUSTER that is not a boolean is named, and then no hub source is left', () => {
    expect(problemsOf(() => loadSettings({ ...http, HUB_IN_CLUSTER: 'yes' }))).toEqual([
      'HUB_IN_CLUSTER: must be true or false',
      expect.stringMatching(/^HUB_KUBECONFIG: set exactly one way to reach the Karpor hub \(found 0\)/),
    ]);
  });
});

/** A policy like an operator's: guest for engineers, admin for platform with approval. */
function goodPolicy(): Record<string, unknown> {
  return {
    identity: { mode: 'per-user', prefix: 'karpor' },
    approvalsChannel: 'C0123456789',
    revokers: { groups: ['platform-oncall'], users: ['U0ADMIN'] },
    roles: {
      guest: { clusterRole: 'karpor-guest', groups: ['engineering', 'S0ENG'], users: ['U0VIP'], defaultDuration: '8h', maxDuration: '1d', approval: 'none' },
      admin: {
        clusterRole: 'karpor-admin',
        groups: ['platform'],
        defaultDuration: '1h',
        maxDuration: '8h',
        approval: { groups: ['platform-leads'], users: ['W0LEAD'], count: 2, timeout: '45m', reasonRequired: false },
      },
    },
  };
}

describe('policyFrom', () => {
  test('a good policy', () => {
    expect(policyFrom(goodPolicy())).toEqual({
      identity: { mode: 'per-user', prefix: 'karpor' },
      approvalsChannel: 'C0123456789',
      revokers: { groups: ['platform-oncall'], users: ['U0ADMIN'] },
      roles: [
        { alias: 'guest', clusterRole: 'karpor-guest', allowed: { groups: ['engineering', 'S0ENG'], users: ['U0VIP'] }, defaultSeconds: 8 * 3600, maxSeconds: 86_400, approval: null },
        {
          alias: 'admin',
          clusterRole: 'karpor-admin',
          allowed: { groups: ['platform'], users: [] },
          defaultSeconds: 3600,
          maxSeconds: 8 * 3600,
          approval: { groups: ['platform-leads'], users: ['W0LEAD'], count: 2, timeoutSeconds: 45 * 60, reasonRequired: false },
        },
      ],
    });
  });

  test('the smallest policy gets the defaults', () => {
    expect(policyFrom({ roles: { guest: { clusterRole: 'karpor-guest', users: ['U1X'] } } })).toEqual({
      identity: { mode: 'shared', prefix: 'karpor' },
      revokers: { groups: [], users: [] },
      roles: [{ alias: 'guest', clusterRole: 'karpor-guest', allowed: { groups: [], users: ['U1X'] }, defaultSeconds: 3600, maxSeconds: 8 * 3600, approval: null }],
    });
  });

  test('approval defaults: one approver, 30m, a reason', () => {
    const policy = policyFrom({ roles: { admin: { clusterRole: 'karpor-admin', groups: ['p'], approval: { groups: ['leads'] } } } });
    expect(policy.roles[0]!.approval).toEqual({ groups: ['leads'], users: [], count: 1, timeoutSeconds: 1800, reasonRequired: true });
  });

  test('karpor-admin may opt out of approval explicitly', () => {
    expect(policyFrom({ roles: { admin: { clusterRole: 'karpor-admin', groups: ['p'], approval: 'none' } } }).roles[0]!.approval).toBeNull();
  });

  test('many problems at once, each with where and how to fix it', () => {
    const problems = problemsOf(() =>
      policyFrom({
        identity: { mode: 'personal', prefix: 'Karpor' },
        approvalsChannel: '#ops',
        revokers: { users: ['alice@example.com'] },
        extra: true,
        roles: {
          admin: { clusterRole: 'karpor-admin', groups: ['platform'], users: ['bob'], defaultDuration: '9h', maxDuration: '8h', colour: 'red' },
          'Bad Name': { clusterRole: 'karpor-guest', groups: ['x'] },
          guest: { clusterRole: 'karpor-guest', groups: ['x'], defaultDuration: '1.5h' },
          long: { clusterRole: 'karpor-guest', groups: ['x'], maxDuration: '400d' },
          nobody: { clusterRole: 'karpor-guest' },
          audit: { clusterRole: 'karpor-admin', groups: ['x'], approval: { groups: [], count: 0, timeout: 'soon' } },
          ops: { clusterRole: 'karpor-admin', groups: ['x'], approval: 'nope' },
        },
      }),
    );
    const expected = [
      /^identity\.mode: must be "shared" or "per-user"$/,
      /^identity\.prefix: must be a short lowercase name, like karpor$/,
      /^approvalsChannel: must be a Slack channel ID \(C…\), not a name$/,
      /^revokers\.users\.0: must be a Slack user ID \(U… or W…\), not a name or email$/,
      /^\(top\): Unrecognized key: "extra"$/,
      /^roles\.admin\.users\.0: must be a Slack user ID/,
      /^roles\.admin: Unrecognized key: "colour"$/,
      /^roles\.admin\.defaultDuration: must be between 10m and maxDuration$/,
      /^roles\.admin\.approval: karpor-admin needs approval by default: list approver groups, or write `approval: none` to opt out$/,
      /^roles\.Bad Name: role aliases are short lowercase names$/,
      /^roles\.guest\.defaultDuration: "1\.5h" is not a duration/,
      /^roles\.long\.maxDuration: must be at most 8760h/,
      /^roles\.nobody\.groups: nobody may request this role: list Slack user groups or user IDs$/,
      /^roles\.audit\.approval\.count: /,
      /^roles\.audit\.approval\.timeout: "soon" is not a duration/,
      /^roles\.ops\.approval: must be `none` or approver settings/,
    ];
    for (const pattern of expected) expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
    expect(problems.some((p) => /Invalid input$/.test(p))).toBe(false);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['karpor-admin without approval', { admin: { clusterRole: 'karpor-admin', groups: ['p'] } }, /^roles\.admin\.approval: karpor-admin needs approval by default/],
    ['default longer than max', { guest: { clusterRole: 'karpor-guest', groups: ['p'], defaultDuration: '9h', maxDuration: '8h' } }, /^roles\.guest\.defaultDuration: must be between 10m and maxDuration$/],
    ['default shorter than 10m', { guest: { clusterRole: 'karpor-guest', groups: ['p'], defaultDuration: '5m' } }, /^roles\.guest\.defaultDuration: must be between 10m and maxDuration$/],
    ['max shorter than 10m', { guest: { clusterRole: 'karpor-guest', groups: ['p'], defaultDuration: '5m', maxDuration: '5m' } }, /^roles\.guest\.maxDuration: must be at least 10m/],
    ['max longer than a year', { guest: { clusterRole: 'karpor-guest', groups: ['p'], maxDuration: '366d' } }, /^roles\.guest\.maxDuration: must be at most 8760h/],
    ['a duration as a number', { guest: { clusterRole: 'karpor-guest', groups: ['p'], maxDuration: 3600 } }, /^roles\.guest\.maxDuration: must be a duration like 30m/],
    ['user names instead of IDs', { guest: { clusterRole: 'karpor-guest', users: ['alice'] } }, /^roles\.guest\.users\.0: must be a Slack user ID \(U… or W…\), not a name or email$/],
    ['an email instead of an ID', { guest: { clusterRole: 'karpor-guest', users: ['alice@example.com'] } }, /^roles\.guest\.users\.0: must be a Slack user ID/],
    ['a lower-case user ID', { guest: { clusterRole: 'karpor-guest', users: ['u123'] } }, /^roles\.guest\.users\.0: must be a Slack user ID/],
    ['a group with spaces', { guest: { clusterRole: 'karpor-guest', groups: ['on call'] } }, /^roles\.guest\.groups\.0: must be a Slack user-group ID \(S…\) or handle$/],
    ['unknown key on a role', { guest: { clusterRole: 'karpor-guest', groups: ['p'], namespace: 'x' } }, /^roles\.guest: Unrecognized key: "namespace"$/],
    ['unknown key in approval', { admin: { clusterRole: 'karpor-admin', groups: ['p'], approval: { groups: ['l'], approvers: ['U1'] } } }, /^roles\.admin\.approval: Unrecognized key: "approvers"$/],
    ['approval without approvers', { admin: { clusterRole: 'karpor-admin', groups: ['p'], approval: {} } }, /^roles\.admin\.approval: needs at least one approver group or user$/],
    ['approval count as text', { admin: { clusterRole: 'karpor-admin', groups: ['p'], approval: { groups: ['l'], count: 'two' } } }, /^roles\.admin\.approval\.count: /],
    ['approval count above 10', { admin: { clusterRole: 'karpor-admin', groups: ['p'], approval: { groups: ['l'], count: 11 } } }, /^roles\.admin\.approval\.count: /],
    ['approval timeout not a duration', { admin: { clusterRole: 'karpor-admin', groups: ['p'], approval: { groups: ['l'], timeout: '1 hour' } } }, /^roles\.admin\.approval\.timeout: "1 hour" is not a duration/],
    ['approval misspelt', { admin: { clusterRole: 'karpor-admin', groups: ['p'], approval: 'None' } }, /^roles\.admin\.approval: must be `none` or approver settings/],
    ['missing clusterRole', { guest: { groups: ['p'] } }, /^roles\.guest\.clusterRole: /],
    ['bad clusterRole', { guest: { clusterRole: 'Karpor Guest', groups: ['p'] } }, /^roles\.guest\.clusterRole: must be a ClusterRole name$/],
  ])('%s', (_what, roles, problem) => {
    expect(problemsOf(() => policyFrom({ roles }))).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  test.each<[string, unknown, RegExp]>([
    ['no roles', { roles: {} }, /^roles: list at least one role$/],
    ['roles missing', {}, /^roles: /],
    ['an empty file', null, /^\(top\): /],
    ['a list', [], /^\(top\): /],
    ['a string', 'roles: guest', /^\(top\): /],
  ])('%s', (_what, doc, problem) => {
    const err = errorOf(() => policyFrom(doc));
    expect(err.message).toMatch(/^The policy is not valid:\n/);
    expect(err.problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});
