import { CLUSTER_API, isPresetRole, KARPOR_DEFAULT_RULES, LOGIN_CHECK, RESOURCE_GROUP_RULE_API, type RoleRule } from './karpor-defaults';

/** One verb on one URL (pattern), or one verb on one kind of hub object: the unit rules are compared in. */
export type Permission =
  | { kind: 'url'; verb: string; url: string }
  | { kind: 'object'; verb: string; apiGroup: string; resource: string; name?: string };

/** Every (verb, target) pair the rules name, each once. */
export function permissions(rules: readonly RoleRule[]): Permission[] {
  const seen = new Map<string, Permission>();
  const add = (p: Permission): void => void seen.set(keyOf(p), p);
  for (const rule of rules) {
    for (const verb of rule.verbs) {
      for (const url of rule.nonResourceURLs ?? []) add({ kind: 'url', verb, url });
      for (const apiGroup of rule.apiGroups ?? []) {
        for (const resource of rule.resources ?? []) {
          const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
          for (const name of names) add({ kind: 'object', verb, apiGroup, resource, ...(name !== undefined && { name }) });
        }
      }
    }
  }
  return [...seen.values()];
}

function keyOf(p: Permission): string {
  return p.kind === 'url' ? `url ${p.verb} ${p.url}` : `object ${p.verb} ${p.apiGroup}/${p.resource}/${p.name ?? ''}`;
}

const verbCovers = (ruleVerb: string, verb: string): boolean => ruleVerb === '*' || ruleVerb === verb;

/** Kubernetes' non-resource URL match, extended to patterns: `/a/*` covers `/a/b` and `/a/b/*`. */
export function urlCovers(rule: string, url: string): boolean {
  return rule === '*' || rule === url || (rule.endsWith('*') && url.startsWith(rule.slice(0, -1)));
}

/** Whether the rules allow at least what the permission allows, the way RBAC matches requests. */
export function allows(rules: readonly RoleRule[], p: Permission): boolean {
  return rules.some((rule) => {
    if (!rule.verbs.some((v) => verbCovers(v, p.verb))) return false;
    if (p.kind === 'url') return (rule.nonResourceURLs ?? []).some((u) => urlCovers(u, p.url));
    const names = rule.resourceNames ?? [];
    return (
      (rule.apiGroups ?? []).some((g) => g === '*' || g === p.apiGroup) &&
      (rule.resources ?? []).some((r) => r === '*' || r === p.resource) &&
      (names.length === 0 || (p.name !== undefined && names.includes(p.name)))
    );
  });
}

/** Whether the rules allow the verb on at least part of what the URL pattern names. */
function overlaps(rules: readonly RoleRule[], verb: string, url: string): boolean {
  return rules.some((r) => r.verbs.some((v) => verbCovers(v, verb)) && (r.nonResourceURLs ?? []).some((u) => urlCovers(u, url) || urlCovers(url, u)));
}

export interface RuleDifferences {
  /** What the role allows beyond the expected rules. */
  added: Permission[];
  /** What the expected rules allow and the role no longer does. */
  removed: Permission[];
}

/** What separates two sets of rules by what they allow, not by how they are written. */
export function ruleDifferences(actual: readonly RoleRule[], expected: readonly RoleRule[]): RuleDifferences {
  return {
    added: permissions(actual).filter((p) => !allows(expected, p)),
    removed: permissions(expected).filter((p) => !allows(actual, p)),
  };
}

/** Differences from Karpor's own rules for a preset role; undefined for any other role. */
export function differencesFromDefault(clusterRole: string, rules: readonly RoleRule[]): RuleDifferences | undefined {
  return isPresetRole(clusterRole) ? ruleDifferences(rules, KARPOR_DEFAULT_RULES[clusterRole]) : undefined;
}

export const isDifferent = (d: RuleDifferences | undefined): boolean => !!d && (d.added.length > 0 || d.removed.length > 0);

/** What people do in Karpor that changes something, and the request each takes. */
const CLUSTER_ACTIONS = {
  register: { verb: 'post', url: '/rest-api/v1/cluster/*' },
  update: { verb: 'put', url: '/rest-api/v1/cluster/*' },
  delete: { verb: 'delete', url: '/rest-api/v1/cluster/*' },
} as const;
const RULE_ACTIONS = {
  create: { verb: 'post', url: '/rest-api/v1/resource-group-rule' },
  update: { verb: 'put', url: '/rest-api/v1/resource-group-rule' },
  delete: { verb: 'delete', url: '/rest-api/v1/resource-group-rule/*' },
} as const;
/** What the dashboard reads, by area: fully when every one of its paths is readable, partly when some of it is. */
const READ_AREAS = {
  clusters: ['/rest-api/v1/clusters', '/rest-api/v1/cluster/*'],
  'resource-groups': ['/rest-api/v1/resource-group-rules', '/rest-api/v1/resource-group-rule/*', '/rest-api/v1/resource-groups/*'],
  search: ['/rest-api/v1/search'],
  insight: ['/rest-api/v1/insight/*'],
} as const;
const WRITE_VERBS = new Set(['*', 'post', 'put', 'patch', 'delete']);

export type ClusterAction = keyof typeof CLUSTER_ACTIONS;
export type RuleAction = keyof typeof RULE_ACTIONS;
export type ReadArea = keyof typeof READ_AREAS;

/** What a ClusterRole lets a token do, in Karpor's terms. */
export interface RoleSummary {
  clusterRole: string;
  clusters: ClusterAction[];
  resourceGroupRules: RuleAction[];
  /** Writes that are not one of the actions above (other paths, or only some clusters). */
  otherWrites: Permission[];
  reads: 'everything' | { full: ReadArea[]; partial: ReadArea[] };
  /** The dashboard's login check; without it the token cannot log in. */
  canLogIn: boolean;
  /** Rules on the hub's own Kubernetes objects (Karpor's roles have none). */
  objects: Permission[];
  /** For Karpor's preset roles: what differs from Karpor's default rules. */
  differences?: RuleDifferences;
}

export function summarizeRole(clusterRole: string, rules: readonly RoleRule[]): RoleSummary {
  const may = (verb: string, url: string): boolean => allows(rules, { kind: 'url', verb, url });
  const actions = <A extends string>(table: Record<A, { verb: string; url: string }>): A[] =>
    (Object.keys(table) as A[]).filter((a) => may(table[a].verb, table[a].url));
  const clusters = actions(CLUSTER_ACTIONS);
  const resourceGroupRules = actions(RULE_ACTIONS);
  const granted = [...clusters.map((a) => CLUSTER_ACTIONS[a]), ...resourceGroupRules.map((a) => RULE_ACTIONS[a])];
  const all = permissions(rules);
  // A write is explained when it lies in an area whose actions are granted, by verb or by `*`.
  const explained = (p: Permission & { kind: 'url' }): boolean =>
    [CLUSTER_API, RESOURCE_GROUP_RULE_API].some(
      (area) => area.some((u) => urlCovers(u, p.url)) && granted.some((g) => area.some((u) => urlCovers(u, g.url)) && (p.verb === '*' || g.verb === p.verb)),
    );
  const otherWrites = all.filter((p): p is Permission & { kind: 'url' } => p.kind === 'url' && WRITE_VERBS.has(p.verb) && !explained(p));
  const areas = Object.keys(READ_AREAS) as ReadArea[];
  const full = areas.filter((area) => READ_AREAS[area].every((u) => may('get', u)));
  const reads: RoleSummary['reads'] = may('get', '/rest-api/*')
    ? 'everything'
    : { full, partial: areas.filter((area) => !full.includes(area) && READ_AREAS[area].some((u) => overlaps(rules, 'get', u))) };
  const differences = differencesFromDefault(clusterRole, rules);
  return {
    clusterRole,
    clusters,
    resourceGroupRules,
    otherWrites,
    reads,
    canLogIn: may('get', LOGIN_CHECK),
    objects: all.filter((p) => p.kind === 'object'),
    ...(differences && { differences }),
  };
}
