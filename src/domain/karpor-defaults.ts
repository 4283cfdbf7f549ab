/**
 * The rules Karpor v0.6.4 gives its preset ClusterRoles when its server creates them, and the
 * rule shape the bot reads from the hub. Karpor's roles use only non-resource URLs (the
 * dashboard's REST paths); `verbs` are lowercased HTTP methods, `*` being every method.
 */

/** A ClusterRole rule as the RBAC API holds it (the fields the bot looks at). */
export interface RoleRule {
  verbs: string[];
  nonResourceURLs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** Karpor's write APIs: clusters and resource-group rules. */
export const CLUSTER_API = ['/rest-api/v1/cluster', '/rest-api/v1/cluster/*'];
export const RESOURCE_GROUP_RULE_API = ['/rest-api/v1/resource-group-rule', '/rest-api/v1/resource-group-rule/*'];
/** What the dashboard asks at login to check a token. */
export const LOGIN_CHECK = '/rest-api/v1/authn';

/** The dashboard's pages, its health checks and the whole REST API, for reading. */
const READ_EVERYTHING = [
  '/',
  '/rest-api/*',
  '/endpoints',
  '/public/*',
  '/docs/*',
  '/server-configs',
  '/search',
  '/search/*',
  '/insight',
  '/insight/*',
  '/insightDetail',
  '/insightDetail/*',
  '/cluster',
  '/cluster/*',
  '/login',
  '/livez',
  '/readyz',
];

export type PresetRole = 'karpor-admin' | 'karpor-guest' | 'anonymous';

/** The roles people get tokens for; `anonymous` is what requests without a token get. */
export const TOKEN_ROLES: readonly PresetRole[] = ['karpor-admin', 'karpor-guest'];

export const KARPOR_DEFAULT_RULES: Readonly<Record<PresetRole, readonly RoleRule[]>> = {
  // Everything on clusters and resource-group rules; reads everywhere, the login check included.
  'karpor-admin': [
    { verbs: ['*'], nonResourceURLs: [...RESOURCE_GROUP_RULE_API, ...CLUSTER_API] },
    { verbs: ['get'], nonResourceURLs: [...READ_EVERYTHING, LOGIN_CHECK] },
  ],
  // Reads only, the same places as the admin's.
  'karpor-guest': [{ verbs: ['get'], nonResourceURLs: [...RESOURCE_GROUP_RULE_API, ...CLUSTER_API, LOGIN_CHECK, ...READ_EVERYTHING] }],
  // No token at all: reads everywhere, and every method on three insight APIs.
  anonymous: [
    { verbs: ['get'], nonResourceURLs: READ_EVERYTHING },
    { verbs: ['*'], nonResourceURLs: ['/rest-api/v1/insight/aggregator/*', '/rest-api/v1/insight/issue/*', '/rest-api/v1/insight/yaml/*'] },
  ],
};

export function isPresetRole(name: string): name is PresetRole {
  return Object.prototype.hasOwnProperty.call(KARPOR_DEFAULT_RULES, name);
}
