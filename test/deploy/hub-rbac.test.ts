// The bot's identity on the Karpor hub (deploy/hub/rbac.yaml) holds exactly the rules the bot
// needs and is documented to need: a wider rule would let a compromised bot do more there.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PROBE_ACCOUNT } from '../../src/hub/probes';

type Obj = Record<string, any>;

const REPO = path.resolve(__dirname, '../..');
const TEXT = readFileSync(path.join(REPO, 'deploy/hub/rbac.yaml'), 'utf8');
const objects: Obj[] = parseAllDocuments(TEXT).map((d) => {
  if (d.errors.length > 0) throw new Error(`deploy/hub/rbac.yaml: ${d.errors[0]!.message}`);
  return d.toJS() as Obj;
});
const SA = { kind: 'ServiceAccount', name: 'karpor-token-bot', namespace: 'default' };
const RBAC = 'rbac.authorization.k8s.io';

function get(kind: string): Obj {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** One rule per (group, resource, verb, name / URL), so rule order and grouping do not matter. */
function grants(rules: Obj[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    for (const verb of r.verbs ?? []) {
      for (const url of r.nonResourceURLs ?? []) out.push(`url ${url} ${verb}`);
      for (const group of r.apiGroups ?? []) {
        for (const resource of r.resources ?? []) {
          const names: string[] = r.resourceNames ?? ['(any)'];
          for (const name of names) out.push(`${group || 'core'}/${resource} ${verb} ${name}`);
        }
      }
    }
  }
  return out.sort();
}

test("holds exactly the bot's ServiceAccount, a ClusterRole and a Role, each bound to it, and the check-up's probe account, bound to nothing", () => {
  expect(objects.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount', 'ServiceAccount']);
  const accounts = objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata);
  expect(accounts).toEqual([expect.objectContaining({ name: SA.name, namespace: SA.namespace }), expect.objectContaining({ name: PROBE_ACCOUNT, namespace: SA.namespace })]);
  for (const binding of objects.filter((o) => o.kind.endsWith('Binding'))) expect(binding.subjects).not.toContainEqual(expect.objectContaining({ name: PROBE_ACCOUNT }));
  expect(get('ClusterRoleBinding').roleRef).toEqual({ apiGroup: RBAC, kind: 'ClusterRole', name: get('ClusterRole').metadata.name });
  expect(get('ClusterRoleBinding').subjects).toEqual([SA]);
  expect(get('Role').metadata.namespace).toBe(SA.namespace);
  expect(get('RoleBinding').metadata.namespace).toBe(SA.namespace);
  expect(get('RoleBinding').roleRef).toEqual({ apiGroup: RBAC, kind: 'Role', name: get('Role').metadata.name });
  expect(get('RoleBinding').subjects).toEqual([SA]);
});

test('cluster-wide: bindings, `bind` on the two Karpor roles only, and reading /server-configs', () => {
  expect(grants(get('ClusterRole').rules)).toEqual(
    [
      `${RBAC}/clusterrolebindings get (any)`,
      `${RBAC}/clusterrolebindings create (any)`,
      `${RBAC}/clusterroles bind karpor-guest`,
      `${RBAC}/clusterroles bind karpor-admin`,
      // What those roles allow: the check-up compares them with Karpor's defaults, the approval card summarises them.
      `${RBAC}/clusterroles get karpor-guest`,
      `${RBAC}/clusterroles get karpor-admin`,
      // Whether the hub enforces RBAC at all (EnableRBAC): tokens protect nothing when it does not.
      'url /server-configs get',
    ].sort(),
  );
});

test('in its namespace: ServiceAccounts, their tokens, and the Secrets for grants and requests', () => {
  expect(grants(get('Role').rules)).toEqual(
    [
      'core/serviceaccounts get (any)',
      'core/serviceaccounts create (any)',
      'core/serviceaccounts/token create (any)',
      ...['get', 'list', 'create', 'update', 'delete'].map((verb) => `core/secrets ${verb} (any)`),
    ].sort(),
  );
});

test('no wildcard, no escalate or impersonate, no aggregation, anywhere', () => {
  const strings = JSON.stringify(objects);
  expect(strings).not.toContain('*');
  expect(strings).not.toMatch(/escalate|impersonate/);
  expect(get('ClusterRole').aggregationRule).toBeUndefined();
  // A rule is either about resources or about URLs: a mixed one would be read loosely by some tools.
  for (const rule of [...get('ClusterRole').rules, ...get('Role').rules] as Obj[]) {
    expect(Boolean(rule.nonResourceURLs)).toBe(!rule.resources);
  }
});
