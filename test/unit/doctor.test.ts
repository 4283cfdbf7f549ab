import { diagnose, overall, policyGroups, type DoctorFacts, type Finding } from '../../src/domain/doctor';
import { KARPOR_DEFAULT_RULES } from '../../src/domain/karpor-defaults';
import type { Policy } from '../../src/domain/policy';
import { ANONYMOUS_ROLE_PATCH, CLOSE_ANONYMOUS_READS, doctorLine, doctorMessage, ENABLE_RBAC } from '../../src/slack/text/doctor';
import { rolePolicy, samplePolicy } from './fakes';

const now = new Date('2026-12-01T09:00:00Z');
const DAY = 86_400_000;
const NEEDED = ['commands', 'chat:write', 'im:write', 'usergroups:read'];

/** A hub and a workspace set up as they should be, for samplePolicy (guest 8h, admin and audit 4h). */
function healthy(): DoctorFacts {
  return {
    hub: {
      rbac: true,
      anonymousReads: [
        { path: '/rest-api/v1/clusters', status: 403 },
        { path: '/rest-api/v1/authn', status: 401 },
      ],
      tokenMaximum: { askedSeconds: 9 * 3600, grantedSeconds: 9 * 3600 },
      clusterRoles: [
        { name: 'karpor-admin', rules: [...KARPOR_DEFAULT_RULES['karpor-admin']] },
        { name: 'karpor-guest', rules: [...KARPOR_DEFAULT_RULES['karpor-guest']] },
        { name: 'karpor-audit', rules: [{ verbs: ['get'], nonResourceURLs: ['/rest-api/v1/insight/*'] }] },
      ],
    },
    botCredentialExpiresAt: new Date(now.getTime() + 30 * DAY),
    slack: {
      grantedScopes: [...NEEDED],
      neededScopes: NEEDED,
      userGroups: ['engineers', 'platform', 'approvers', 'karpor-admins'].map((ref) => ({ ref, found: true })),
      approvers: [
        { role: 'admin', reachable: 2 },
        { role: 'audit', reachable: 2 },
      ],
    },
  };
}

function findingFor(findings: Finding[], check: Finding['check'], role?: string): Finding {
  const found = findings.find((f) => f.check === check && (role === undefined || ('role' in f && f.role === role)));
  if (!found) throw new Error(`no ${check} finding${role ? ` for ${role}` : ''}`);
  return found;
}

test('a hub and workspace set up as they should be: every check passes, one finding per check', () => {
  const findings = diagnose(healthy(), samplePolicy(), now);
  expect(findings.map((f) => [f.check, 'role' in f ? f.role : undefined, f.status])).toEqual([
    ['rbac', undefined, 'ok'],
    ['anonymous-reads', undefined, 'ok'],
    ['token-maximum', undefined, 'ok'],
    ['preset-role', 'karpor-admin', 'ok'],
    ['preset-role', 'karpor-guest', 'ok'],
    ['policy-roles', undefined, 'ok'],
    ['hub-identity', undefined, 'ok'],
    ['bot-credential', undefined, 'ok'],
    ['slack-scopes', undefined, 'ok'],
    ['user-groups', undefined, 'ok'],
    ['approvers', 'admin', 'ok'],
    ['approvers', 'audit', 'ok'],
  ]);
  expect(overall(findings)).toBe('ok');
});

type Change = (facts: DoctorFacts, policy: Policy) => void;

test.each<[string, Change, Finding['check'], string | undefined, Partial<Finding>]>([
  ['RBAC off', (f) => (f.hub.rbac = false), 'rbac', undefined, { status: 'fail', state: 'off' }],
  ['RBAC not said', (f) => (f.hub.rbac = undefined), 'rbac', undefined, { status: 'warn', state: 'unknown' }],
  [
    'a read without a token answered 200 (Karpor with the default anonymous binding)',
    (f) => (f.hub.anonymousReads[0]!.status = 200),
    'anonymous-reads',
    undefined,
    { status: 'fail', state: 'open', openPaths: ['/rest-api/v1/clusters'] },
  ],
  [
    'a read without a token answered 404 (allowed by RBAC, path unknown to the server)',
    (f) => (f.hub.anonymousReads[1]!.status = 404),
    'anonymous-reads',
    undefined,
    { status: 'fail', state: 'open', openPaths: ['/rest-api/v1/authn'] },
  ],
  ['a read without a token got no answer', (f) => (f.hub.anonymousReads[0]!.status = 0), 'anonymous-reads', undefined, { status: 'warn', state: 'unknown' }],
  ['a read without a token hit a server error', (f) => (f.hub.anonymousReads[1]!.status = 503), 'anonymous-reads', undefined, { status: 'warn', state: 'unknown' }],
  ['no read was tried', (f) => (f.hub.anonymousReads = []), 'anonymous-reads', undefined, { status: 'warn', state: 'unknown' }],
  [
    'the hub cuts tokens below the longest role',
    (f) => (f.hub.tokenMaximum = { askedSeconds: 9 * 3600, grantedSeconds: 3600 }),
    'token-maximum',
    undefined,
    {
      status: 'warn',
      state: 'short',
      grantedSeconds: 3600,
      longestSeconds: 8 * 3600,
      cutRoles: [
        { role: 'guest', maxSeconds: 8 * 3600 },
        { role: 'admin', maxSeconds: 4 * 3600 },
        { role: 'audit', maxSeconds: 4 * 3600 },
      ],
    },
  ],
  [
    'the hub cuts only the longest role',
    (f) => (f.hub.tokenMaximum = { askedSeconds: 9 * 3600, grantedSeconds: 5 * 3600 }),
    'token-maximum',
    undefined,
    { status: 'warn', state: 'short', cutRoles: [{ role: 'guest', maxSeconds: 8 * 3600 }] },
  ],
  [
    'the hub grants a few seconds less than the longest role (whole seconds, clock drift)',
    (f) => (f.hub.tokenMaximum = { askedSeconds: 9 * 3600, grantedSeconds: 8 * 3600 - 5 }),
    'token-maximum',
    undefined,
    { status: 'ok', state: 'enough' },
  ],
  ['the token request failed', (f) => (f.hub.tokenMaximum = undefined), 'token-maximum', undefined, { status: 'warn', state: 'unknown', longestSeconds: 8 * 3600 }],
  [
    'karpor-guest was given a write',
    (f) => f.hub.clusterRoles[1]!.rules!.push({ verbs: ['post'], nonResourceURLs: ['/rest-api/v1/cluster/*'] }),
    'preset-role',
    'karpor-guest',
    { status: 'warn', state: 'differs', added: [{ kind: 'url', verb: 'post', url: '/rest-api/v1/cluster/*' }], removed: [] },
  ],
  [
    'karpor-admin lost deleting clusters (its * became get, post, put)',
    (f) => (f.hub.clusterRoles[0]!.rules = [{ verbs: ['get', 'post', 'put'], nonResourceURLs: ['/rest-api/v1/cluster', '/rest-api/v1/cluster/*', '/rest-api/v1/resource-group-rule', '/rest-api/v1/resource-group-rule/*'] }, KARPOR_DEFAULT_RULES['karpor-admin'][1]!]),
    'preset-role',
    'karpor-admin',
    {
      status: 'warn',
      state: 'differs',
      added: [],
      removed: ['/rest-api/v1/resource-group-rule', '/rest-api/v1/resource-group-rule/*', '/rest-api/v1/cluster', '/rest-api/v1/cluster/*'].map((url) => ({ kind: 'url', verb: '*', url })),
    },
  ],
  [
    'karpor-guest may read secrets on the hub',
    (f) => f.hub.clusterRoles[1]!.rules!.push({ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] }),
    'preset-role',
    'karpor-guest',
    {
      status: 'warn',
      state: 'differs',
      added: [
        { kind: 'object', verb: 'get', apiGroup: '', resource: 'secrets' },
        { kind: 'object', verb: 'list', apiGroup: '', resource: 'secrets' },
      ],
    },
  ],
  [
    'karpor-admin rewritten with the same permissions (the redundant authn entry dropped)',
    (f) => (f.hub.clusterRoles[0]!.rules = [KARPOR_DEFAULT_RULES['karpor-admin'][0]!, { verbs: ['get'], nonResourceURLs: KARPOR_DEFAULT_RULES['karpor-admin'][1]!.nonResourceURLs!.filter((u) => u !== '/rest-api/v1/authn') }]),
    'preset-role',
    'karpor-admin',
    { status: 'ok', state: 'default' },
  ],
  ['karpor-guest is gone from the hub', (f) => (f.hub.clusterRoles[1]!.rules = null), 'preset-role', 'karpor-guest', { status: 'warn', state: 'missing' }],
  ['karpor-admin could not be read', (f) => (f.hub.clusterRoles = f.hub.clusterRoles.slice(1)), 'preset-role', 'karpor-admin', { status: 'warn', state: 'unknown' }],
  [
    'a policy role points at a ClusterRole the hub lacks',
    (f) => (f.hub.clusterRoles[2]!.rules = null),
    'policy-roles',
    undefined,
    { status: 'fail', missing: [{ role: 'audit', clusterRole: 'karpor-audit' }], unknown: [] },
  ],
  ['a policy role\'s ClusterRole could not be read', (f) => f.hub.clusterRoles.pop(), 'policy-roles', undefined, { status: 'warn', missing: [], unknown: ['karpor-audit'] }],
  ['the hub refused the bot a probe token', (f) => (f.hub.botRefused = ['a token for karpor/karpor-token-probe']), 'hub-identity', undefined, { status: 'fail', state: 'refused', refused: ['a token for karpor/karpor-token-probe'] }],
  ['no probe token could be had, not refused', (f) => (f.hub.tokenMaximum = undefined), 'hub-identity', undefined, { status: 'warn', state: 'unknown' }],
  ['a role could not be read', (f) => (f.hub.clusterRoles[0]!.rules = undefined), 'hub-identity', undefined, { status: 'warn', state: 'unknown' }],
  ['the bot credential ends in 3 days', (f) => (f.botCredentialExpiresAt = new Date(now.getTime() + 3 * DAY)), 'bot-credential', undefined, { status: 'warn', state: 'expiring' }],
  ['the bot credential has expired', (f) => (f.botCredentialExpiresAt = new Date(now.getTime() - 1000)), 'bot-credential', undefined, { status: 'fail', state: 'expired' }],
  ['the bot credential never expires', (f) => (f.botCredentialExpiresAt = null), 'bot-credential', undefined, { status: 'ok', state: 'never' }],
  ['the bot credential expiry is unknown', (f) => (f.botCredentialExpiresAt = undefined), 'bot-credential', undefined, { status: 'warn', state: 'unknown' }],
  ['a needed scope is missing', (f) => (f.slack.grantedScopes = ['commands', 'chat:write']), 'slack-scopes', undefined, { status: 'fail', missing: ['im:write', 'usergroups:read'], extra: [] }],
  ['a scope beyond the needed ones', (f) => f.slack.grantedScopes!.push('users:read'), 'slack-scopes', undefined, { status: 'warn', missing: [], extra: ['users:read'] }],
  ['Slack did not list the scopes', (f) => (f.slack.grantedScopes = undefined), 'slack-scopes', undefined, { status: 'warn', state: 'unknown' }],
  ['a policy group is not in Slack', (f) => (f.slack.userGroups = [{ ref: 'engineers', found: false }, { ref: 'platform', found: true }, { ref: 'approvers', found: true }, { ref: 'karpor-admins', found: true }]), 'user-groups', undefined, { status: 'warn', state: 'checked', missing: ['engineers'] }],
  ['a policy group was not looked up', (f) => (f.slack.userGroups = []), 'user-groups', undefined, { status: 'warn', missing: ['engineers', 'platform', 'approvers', 'karpor-admins'] }],
  ['a free workspace has no user groups', (f) => (f.slack.userGroups = 'not-on-plan'), 'user-groups', undefined, { status: 'fail', state: 'not-on-plan' }],
  ['the user groups could not be listed', (f) => (f.slack.userGroups = 'unreadable'), 'user-groups', undefined, { status: 'warn', state: 'unreadable' }],
  [
    'a policy naming only users needs no groups',
    (f, p) => {
      f.slack.userGroups = 'not-on-plan';
      p.roles = [rolePolicy('guest', { allowed: { groups: [], users: ['UENG001'] } })];
      p.revokers = { groups: [], users: [] };
    },
    'user-groups',
    undefined,
    { status: 'ok', state: 'none-named' },
  ],
  ['fewer approvers reachable than one approval needs', (f) => (f.slack.approvers[1]!.reachable = 1), 'approvers', 'audit', { status: 'fail', needed: 2, reachable: 1 }],
  ['no approvers reached for a role', (f) => (f.slack.approvers = []), 'approvers', 'admin', { status: 'fail', needed: 1, reachable: 0 }],
])('%s', (_name, change, check, role, expected) => {
  const facts = healthy();
  const policy = samplePolicy();
  change(facts, policy);
  const findings = diagnose(facts, policy, now);
  expect(findingFor(findings, check, role)).toEqual(expect.objectContaining(expected));
});

test('the overall status is the worst finding', () => {
  const facts = healthy();
  facts.botCredentialExpiresAt = undefined;
  expect(overall(diagnose(facts, samplePolicy(), now))).toBe('warn');
  facts.hub.rbac = false;
  expect(overall(diagnose(facts, samplePolicy(), now))).toBe('fail');
});

test('the groups to look up are every group the policy names, each once', () => {
  expect(policyGroups(samplePolicy())).toEqual(['engineers', 'platform', 'approvers', 'karpor-admins']);
});

describe('the doctor answer', () => {
  function lineFor(change: Change, check: Finding['check'], role?: string): string {
    const facts = healthy();
    const policy = samplePolicy();
    change(facts, policy);
    return doctorLine(findingFor(diagnose(facts, policy, now), check, role), now);
  }

  test.each<[string, Change, Finding['check'], string | undefined, RegExp[]]>([
    ['RBAC on', () => undefined, 'rbac', undefined, [/^✅ \*RBAC is on\*/]],
    ['RBAC off', (f) => (f.hub.rbac = false), 'rbac', undefined, [/^❌ \*RBAC is off\*/, /protect nothing/, /--set server\.enableRbac=true/, /&lt;release&gt;/]],
    ['RBAC unknown', (f) => (f.hub.rbac = undefined), 'rbac', undefined, [/^⚠️ /, /server-configs/]],
    ['reads closed', () => undefined, 'anonymous-reads', undefined, [/^✅ \*Reads need a token\*/]],
    [
      'reads open',
      (f) => (f.hub.anonymousReads[0]!.status = 200),
      'anonymous-reads',
      undefined,
      [/^❌ \*Reads are open without a token\*/, /`\/rest-api\/v1\/clusters`/, /a guest token protects nothing for reads/, /kubectl patch clusterrole anonymous/, /\. Deleting the `anonymous` ClusterRoleBinding closes reads too, but also the dashboard.s login page/],
    ],
    ['token maximum enough', () => undefined, 'token-maximum', undefined, [/^✅ \*Token maximum\*: the hub grants 9h, enough for the longest role \(8h\)/]],
    [
      'token maximum short',
      (f) => (f.hub.tokenMaximum = { askedSeconds: 9 * 3600, grantedSeconds: 5 * 3600 }),
      'token-maximum',
      undefined,
      [/^⚠️ \*Token maximum\*: the hub grants at most 5h/, /`guest` \(up to 8h\)/, /--service-account-max-token-expiration/],
    ],
    ['preset role default', () => undefined, 'preset-role', 'karpor-admin', [/^✅ \*`karpor-admin`\* holds Karpor's default rules/]],
    [
      'preset role changed',
      (f) => {
        f.hub.clusterRoles[1]!.rules = f.hub.clusterRoles[1]!.rules!.map((r) => ({ ...r, nonResourceURLs: r.nonResourceURLs!.filter((u) => u !== '/rest-api/v1/authn' && u !== '/rest-api/*') }));
        f.hub.clusterRoles[1]!.rules.push({ verbs: ['delete'], nonResourceURLs: ['/rest-api/v1/cluster/*'] });
      },
      'preset-role',
      'karpor-guest',
      [/^⚠️ \*`karpor-guest`\* differs from Karpor's default: it also allows `delete` on `\/rest-api\/v1\/cluster\/\*`; it no longer allows `get` on `\/rest-api\/v1\/authn` and `get` on `\/rest-api\/\*`\./],
    ],
    [
      'preset role with many changes: the rest counted',
      (f) => (f.hub.clusterRoles[1]!.rules = []),
      'preset-role',
      'karpor-guest',
      [/no longer allows `get` on `\/rest-api\/v1\/resource-group-rule`, .*, `get` on `\/rest-api\/v1\/cluster\/\*` and 18 more\./],
    ],
    ['policy role missing', (f) => (f.hub.clusterRoles[2]!.rules = null), 'policy-roles', undefined, [/^❌ /, /`audit` points at ClusterRole `karpor-audit`, which the hub does not have/]],
    ['credential valid', () => undefined, 'bot-credential', undefined, [/^✅ .*valid until <!date\^\d+\^\{date_short_pretty\} \{time\}\|2026-12-31 09:00 UTC> \(in 30d\)/]],
    ['credential expiring', (f) => (f.botCredentialExpiresAt = new Date(now.getTime() + 3 * DAY)), 'bot-credential', undefined, [/^⚠️ .*expires in 3d .*run `setup-hub` again before then/]],
    ['credential expired', (f) => (f.botCredentialExpiresAt = new Date(now.getTime() - DAY)), 'bot-credential', undefined, [/^❌ .*expired 1d ago/]],
    ['scopes missing', (f) => (f.slack.grantedScopes = ['commands']), 'slack-scopes', undefined, [/^❌ \*Slack scopes missing\*: `chat:write`, `im:write` and `usergroups:read`\. .*reinstall/]],
    ['scopes extra', (f) => f.slack.grantedScopes!.push('users:read'), 'slack-scopes', undefined, [/^⚠️ .*holds `users:read` without needing it/]],
    ['free workspace', (f) => (f.slack.userGroups = 'not-on-plan'), 'user-groups', undefined, [/^❌ .*a paid Slack feature/, /by user ID/]],
    ['approvers short', (f) => (f.slack.approvers[0]!.reachable = 0), 'approvers', 'admin', [/^❌ \*Approvers for `admin`\*: 0 reachable but 1 needed/]],
  ])('%s', (_name, change, check, role, patterns) => {
    const line = lineFor(change, check, role);
    for (const p of patterns) expect(line).toMatch(p);
  });

  test('names from the policy and the hub show literally: no mentions, links or formatting', () => {
    const line = lineFor(
      (f, p) => {
        p.roles[0]!.allowed.groups = ['<!channel>', 'a`b&c'];
        f.slack.userGroups = [];
      },
      'user-groups',
    );
    expect(line).toContain('`&lt;!channel&gt;`');
    expect(line).toContain("`a'b&amp;c`");
    expect(line).not.toContain('<!channel>');

    const role = lineFor((f) => f.hub.clusterRoles[1]!.rules!.push({ verbs: ['post'], nonResourceURLs: ['/x/<@U123>'] }), 'preset-role', 'karpor-guest');
    expect(role).toContain('`/x/&lt;@U123&gt;`');
    expect(role).not.toContain('<@U123>');
  });

  test('the whole answer: a header, the verdict, one section per check', () => {
    const facts = healthy();
    facts.hub.rbac = false;
    facts.botCredentialExpiresAt = undefined;
    const findings = diagnose(facts, samplePolicy(), now);
    const message = doctorMessage(findings, now);
    expect(message.text).toBe('Karpor token bot check-up: 1 problem and 1 warning');
    expect(message.blocks).toHaveLength(2 + findings.length);
    expect(message.blocks.slice(2).map((b) => (b.type === 'section' ? b.text?.text : ''))).toEqual(findings.map((f) => doctorLine(f, now)));
    expect(doctorMessage(diagnose(healthy(), samplePolicy(), now), now).text).toBe('Karpor token bot check-up: everything checked is as it should be');
  });

  test('the fixes given are the commands people can paste', () => {
    expect(ENABLE_RBAC).toMatch(/^helm upgrade .* --set server\.enableRbac=true$/);
    // What the patch does to a hub is shown in test/integration/probes.test.ts.
    expect(JSON.parse(/-p '(.*)'$/.exec(CLOSE_ANONYMOUS_READS)![1]!)).toEqual(ANONYMOUS_ROLE_PATCH);
  });
});
