// The bot's objects on the Karpor hub, as the setup step makes them from a policy: exactly the
// rules the bot needs, and no way to bind or escalate (a stolen bot credential would use it).
// deploy/hub/rbac.yaml is their listing for the example policy, for review.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { policyFrom } from '../../src/config/policy-file';
import { hubObjects, PROBE_ACCOUNT, type HubObject } from '../../src/setup/hub-objects';
import { main } from '../../src/setup/cli';

type Obj = Record<string, any>;

const REPO = path.resolve(__dirname, '../..');
const HOME = 'karpor-token-bot';
const RBAC = 'rbac.authorization.k8s.io';
const policy = (mode: 'shared' | 'per-user', roles: Record<string, string> = { guest: 'karpor-guest', admin: 'karpor-admin' }) =>
  policyFrom({
    identity: { mode, prefix: 'karpor' },
    roles: Object.fromEntries(Object.entries(roles).map(([alias, clusterRole]) => [alias, { clusterRole, users: ['U0ONE'], approval: 'none' }])),
  });
const objects = hubObjects(policy('shared'), HOME) as Obj[];

const find = (kind: string, name: string, namespace?: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
  expect(found).toHaveLength(1);
  return found[0]!;
};

/** One rule per (group, resource, verb, name / URL), so rule order and grouping do not matter. */
function grants(rules: Obj[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    for (const verb of r.verbs ?? []) {
      for (const url of r.nonResourceURLs ?? []) out.push(`url ${url} ${verb}`);
      for (const group of r.apiGroups ?? []) {
        for (const resource of r.resources ?? []) {
          for (const name of (r.resourceNames as string[] | undefined) ?? ['(any)']) out.push(`${group || 'core'}/${resource} ${verb} ${name}`);
        }
      }
    }
  }
  return out.sort();
}

const SECRETS = ['get', 'list', 'watch', 'create', 'update', 'delete'].map((verb) => `core/secrets ${verb} (any)`);
const BOT = { kind: 'ServiceAccount', name: 'karpor-token-bot', namespace: HOME };

test('deploy/hub/rbac.yaml is what setup-hub --print lists for the example policy (else regenerate it)', async () => {
  let printed = '';
  await main(['setup-hub', '--print', '--policy', path.join(REPO, 'policy.example.yaml'), '--namespace', HOME], (text) => void (printed += text));
  // Regenerate: npx tsx src/setup/cli.ts setup-hub --print --policy policy.example.yaml > deploy/hub/rbac.yaml
  expect(readFileSync(path.join(REPO, 'deploy/hub/rbac.yaml'), 'utf8')).toBe(printed);
});

test("cluster-wide the bot may only read bindings, the roles it hands out or checks, and /server-configs", () => {
  const role = find('ClusterRole', 'karpor-token-bot');
  expect(grants(role.rules)).toEqual(
    [
      `${RBAC}/clusterrolebindings list (any)`,
      `${RBAC}/clusterrolebindings watch (any)`,
      // What those roles allow: the check-up compares them with Karpor's defaults, the approval card summarises them.
      `${RBAC}/clusterroles get karpor-admin`,
      `${RBAC}/clusterroles get karpor-guest`,
      'url /server-configs get',
    ].sort(),
  );
  const binding = find('ClusterRoleBinding', `karpor-token-bot:${HOME}`);
  expect(binding.roleRef).toEqual({ apiGroup: RBAC, kind: 'ClusterRole', name: 'karpor-token-bot' });
  expect(binding.subjects).toEqual([BOT]);
});

test('the ClusterRoles it may read are the policy\'s and Karpor\'s presets, however the policy names them', () => {
  const readable = (roles: Record<string, string>) =>
    grants((hubObjects(policy('shared', roles), HOME) as Obj[]).find((o) => o.kind === 'ClusterRole')!.rules).filter((g) => g.startsWith(`${RBAC}/clusterroles `));
  expect(readable({ viewer: 'team-viewer' })).toEqual([`${RBAC}/clusterroles get karpor-admin`, `${RBAC}/clusterroles get karpor-guest`, `${RBAC}/clusterroles get team-viewer`].sort());
});

test('in its home namespace: its requests, and a token for itself and its probe account only', () => {
  expect(find('ServiceAccount', 'karpor-token-bot', HOME)).toBeDefined();
  expect(grants(find('Role', 'karpor-token-bot', HOME).rules)).toEqual(
    [...SECRETS, 'core/serviceaccounts/token create karpor-token-bot', `core/serviceaccounts/token create ${PROBE_ACCOUNT}`].sort(),
  );
  expect(find('RoleBinding', 'karpor-token-bot', HOME).subjects).toEqual([BOT]);
});

test("the check-up's probe account sits in the home namespace and is bound to nothing", () => {
  expect(find('ServiceAccount', PROBE_ACCOUNT, HOME)).toBeDefined();
  const subjects = objects.filter((o) => o.kind.endsWith('Binding')).flatMap((o) => o.subjects as Obj[]);
  expect(subjects.filter((s) => s.name === PROBE_ACCOUNT || s.name === `system:serviceaccounts:${HOME}` || s.name === `system:serviceaccount:${HOME}:${PROBE_ACCOUNT}`)).toEqual([]);
});

test('in each role namespace: ServiceAccounts, their tokens and the grants; the role itself by one group binding', () => {
  for (const [alias, clusterRole] of [['guest', 'karpor-guest'], ['admin', 'karpor-admin']] as const) {
    const ns = `karpor-${alias}s`;
    expect(find('Namespace', ns)).toBeDefined();
    expect(grants(find('Role', 'karpor-token-bot', ns).rules)).toEqual(
      [...['get', 'list', 'watch', 'create'].map((v) => `core/serviceaccounts ${v} (any)`), 'core/serviceaccounts/token create (any)', ...SECRETS].sort(),
    );
    expect(find('RoleBinding', 'karpor-token-bot', ns).subjects).toEqual([BOT]);
    const binding = find('ClusterRoleBinding', ns);
    expect(binding.roleRef).toEqual({ apiGroup: RBAC, kind: 'ClusterRole', name: clusterRole });
    expect(binding.subjects).toEqual([{ kind: 'Group', apiGroup: RBAC, name: `system:serviceaccounts:${ns}` }]);
  }
});

test('nothing anywhere lets the bot bind, escalate, impersonate, or write RBAC objects', () => {
  const rules = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').flatMap((o) => o.rules as Obj[]);
  const all = grants(rules);
  expect(all.filter((g) => /\b(bind|escalate|impersonate)\b|\*/.test(g))).toEqual([]);
  expect(all.filter((g) => g.startsWith(`${RBAC}/`) && !/ (get|list|watch) /.test(g))).toEqual([]);
  // Reading a role is limited to the roles named.
  expect(all.filter((g) => g.startsWith(`${RBAC}/clusterroles `) && g.endsWith(' (any)'))).toEqual([]);
  for (const o of objects.filter((x) => x.kind === 'ClusterRole')) expect(o.aggregationRule).toBeUndefined();
  // A rule is either about resources or about URLs: a mixed one would be read loosely by some tools.
  for (const rule of rules) expect(Boolean(rule.nonResourceURLs)).toBe(!rule.resources);
});

test('one ClusterRoleBinding per role, however many people: per-user mode makes the same objects', () => {
  const perUser = hubObjects(policy('per-user'), HOME) as HubObject[];
  expect(perUser).toEqual(objects);
  const roleBindings = (o: HubObject[]) => o.filter((x) => x.kind === 'ClusterRoleBinding' && x.metadata.name !== `karpor-token-bot:${HOME}`);
  expect(roleBindings(perUser)).toHaveLength(2);
  expect(roleBindings(hubObjects(policy('shared', { guest: 'karpor-guest', admin: 'karpor-admin', viewer: 'karpor-guest' }), HOME))).toHaveLength(3);
});

test('the bot\'s own account never sits in a role namespace', () => {
  expect(() => hubObjects(policy('shared', { guest: 'karpor-guest' }), 'karpor-guests')).toThrow(/also role guest's namespace/);
});
