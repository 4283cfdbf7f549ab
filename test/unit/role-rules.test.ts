import type { RoleRule } from '../../src/domain/karpor-defaults';
import { allows, summarizeRole, urlCovers, type RoleSummary } from '../../src/domain/role-rules';
import { roleRulesLines } from '../../src/slack/text/role-rules';
import { shippedRules } from './karpor-files';

const url = (verb: string, u: string): { kind: 'url'; verb: string; url: string } => ({ kind: 'url', verb, url: u });

test.each<[string, string, boolean]>([
  ['*', '/anything', true],
  ['/rest-api/*', '/rest-api/v1/authn', true],
  ['/rest-api/*', '/rest-api/v1/cluster/*', true],
  ['/rest-api/*', '/rest-api', false],
  ['/rest-api/v1/cluster', '/rest-api/v1/cluster/x', false],
  ['/rest-api/v1/cluster/*', '/rest-api/v1/clusters', false],
  ['/rest-api/v1/cluster*', '/rest-api/v1/clusters', true],
])('rule URL %s covers %s: %s', (rule, u, expected) => {
  expect(urlCovers(rule, u)).toBe(expected);
});

test.each<[string, RoleRule[], Parameters<typeof allows>[1], boolean]>([
  ['* covers every verb', [{ verbs: ['*'], nonResourceURLs: ['/a'] }], url('delete', '/a'), true],
  ['get does not cover *', [{ verbs: ['get'], nonResourceURLs: ['/a'] }], url('*', '/a'), false],
  ['object rules do not allow URLs', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], url('get', '/a'), false],
  ['an object rule for all names covers one name', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], { kind: 'object', verb: 'get', apiGroup: '', resource: 'secrets', name: 's' }, true],
  ['an object rule for one name does not cover all', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['s'] }], { kind: 'object', verb: 'get', apiGroup: '', resource: 'secrets' }, false],
  ['apiGroup * covers any group', [{ verbs: ['list'], apiGroups: ['*'], resources: ['pods'] }], { kind: 'object', verb: 'list', apiGroup: 'x.io', resource: 'pods' }, true],
])('%s', (_name, rules, p, expected) => {
  expect(allows(rules, p)).toBe(expected);
});

describe("Karpor's own roles, read from Karpor's files", () => {
  test.each<[string, Partial<RoleSummary>, string[]]>([
    [
      'karpor-admin',
      { clusters: ['register', 'update', 'delete'], resourceGroupRules: ['create', 'update', 'delete'], otherWrites: [], reads: 'everything', canLogIn: true, objects: [], differences: { added: [], removed: [] } },
      ['register, update and delete clusters, edit resource-group rules; read everything'],
    ],
    [
      'karpor-guest',
      { clusters: [], resourceGroupRules: [], otherWrites: [], reads: 'everything', canLogIn: true, differences: { added: [], removed: [] } },
      ['change nothing; read everything'],
    ],
    [
      'anonymous',
      {
        clusters: [],
        resourceGroupRules: [],
        otherWrites: ['/rest-api/v1/insight/aggregator/*', '/rest-api/v1/insight/issue/*', '/rest-api/v1/insight/yaml/*'].map((u) => url('*', u)),
        reads: 'everything',
        canLogIn: true,
      },
      ['also `*` on `/rest-api/v1/insight/aggregator/*`, `*` on `/rest-api/v1/insight/issue/*` and `*` on `/rest-api/v1/insight/yaml/*`; read everything'],
    ],
  ])('%s', (role, summary, lines) => {
    const s = summarizeRole(role, shippedRules(role));
    expect(s).toEqual(expect.objectContaining(summary));
    expect(roleRulesLines(s)).toEqual(lines);
  });
});

const ADMIN = shippedRules('karpor-admin');
const GUEST = shippedRules('karpor-guest');
const minus = (rules: RoleRule[], gone: string[]): RoleRule[] => rules.map((r) => ({ ...r, nonResourceURLs: r.nonResourceURLs?.filter((u) => !gone.includes(u)) }));

test.each<[string, string, RoleRule[], string[]]>([
  [
    'a guest that may also register clusters',
    'karpor-guest',
    [...GUEST, { verbs: ['post'], nonResourceURLs: ['/rest-api/v1/cluster/*'] }],
    ['register clusters; read everything', "⚠️ differs from Karpor's default `karpor-guest`: adds `post` on `/rest-api/v1/cluster/*`"],
  ],
  [
    'an admin that may no longer delete',
    'karpor-admin',
    [{ verbs: ['get', 'post', 'put'], nonResourceURLs: ['/rest-api/v1/cluster/*', '/rest-api/v1/resource-group-rule', '/rest-api/v1/resource-group-rule/*'] }, ADMIN[1]!],
    [
      'register and update clusters, create and change resource-group rules; read everything',
      "⚠️ differs from Karpor's default `karpor-admin`: drops `*` on `/rest-api/v1/resource-group-rule`, `*` on `/rest-api/v1/resource-group-rule/*`, `*` on `/rest-api/v1/cluster` and `*` on `/rest-api/v1/cluster/*`",
    ],
  ],
  [
    'a custom role for one cluster only: its writes are listed as they are',
    'team-a',
    [
      { verbs: ['get', 'put'], nonResourceURLs: ['/rest-api/v1/cluster/team-a'] },
      { verbs: ['get'], nonResourceURLs: ['/rest-api/v1/clusters', '/rest-api/v1/authn'] },
    ],
    ['also `put` on `/rest-api/v1/cluster/team-a`; read parts of clusters'],
  ],
  [
    'a custom role that reads search and insights and may not log in',
    'viewer',
    [{ verbs: ['get'], nonResourceURLs: ['/rest-api/v1/search', '/rest-api/v1/insight/*'] }],
    ['change nothing; read search and insights', '⚠️ cannot log in to the dashboard: the role lacks `get` on `/rest-api/v1/authn`'],
  ],
  [
    'a role reading search fully and one cluster',
    'search-and-one',
    [{ verbs: ['get'], nonResourceURLs: ['/rest-api/v1/search', '/rest-api/v1/cluster/team-a', '/rest-api/v1/authn'] }],
    ['change nothing; read search and parts of clusters'],
  ],
  [
    'everything on the whole API',
    'power',
    [{ verbs: ['*'], nonResourceURLs: ['/rest-api/*'] }],
    ['register, update and delete clusters, edit resource-group rules, also `*` on `/rest-api/*`; read everything'],
  ],
  [
    'a preset role that also reads the hub\'s secrets',
    'karpor-guest',
    [...GUEST, { verbs: ['get'], apiGroups: [''], resources: ['secrets'] }],
    [
      'change nothing; read everything',
      "⚠️ also works on the hub's Kubernetes objects: `get` on `secrets`",
      "⚠️ differs from Karpor's default `karpor-guest`: adds `get` on `secrets`",
    ],
  ],
  [
    'a guest without the REST API: cannot list clusters or resource groups, reads single ones, may still log in',
    'karpor-guest',
    minus(GUEST, ['/rest-api/*']),
    ['change nothing; read parts of clusters and resource groups', "⚠️ differs from Karpor's default `karpor-guest`: drops `get` on `/rest-api/*`"],
  ],
  [
    'an empty role',
    'nobody',
    [],
    ['change nothing; read nothing', '⚠️ cannot log in to the dashboard: the role lacks `get` on `/rest-api/v1/authn`'],
  ],
])('%s', (_name, role, rules, lines) => {
  expect(roleRulesLines(summarizeRole(role, rules))).toEqual(lines);
});

test('paths from the hub show literally', () => {
  const [line] = roleRulesLines(summarizeRole('x', [{ verbs: ['post'], nonResourceURLs: ['/<!here>&'] }]));
  expect(line).toBe('also `post` on `/&lt;!here&gt;&amp;`; read nothing');
});
