import { isPresetRole, KARPOR_DEFAULT_RULES, type RoleRule } from './karpor-defaults';

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
