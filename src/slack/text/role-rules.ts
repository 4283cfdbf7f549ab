import type { Permission, ReadArea, RoleSummary, RuleAction } from '../../domain/role-rules';
import { code, list, shortList } from './markup';

/** Permissions listed before the rest is only counted. */
const SHOWN = 4;

const READ_AREA: Record<ReadArea, string> = {
  clusters: 'clusters',
  'resource-groups': 'resource groups',
  search: 'search',
  insight: 'insights',
};
const RULE_ACTION: Record<RuleAction, string> = { create: 'create', update: 'change', delete: 'delete' };

/** `` `post` on `/rest-api/v1/cluster/*` ``, `` `get` on `secrets` `` (hub objects). */
export function permissionText(p: Permission): string {
  if (p.kind === 'url') return `${code(p.verb)} on ${code(p.url)}`;
  const group = p.apiGroup ? `${p.apiGroup}/` : '';
  return `${code(p.verb)} on ${code(`${group}${p.resource}${p.name ? `/${p.name}` : ''}`)}`;
}

function readsText(reads: RoleSummary['reads']): string {
  if (reads === 'everything') return 'read everything';
  const areas = (as: ReadArea[]): string => list(as.map((a) => READ_AREA[a]));
  const parts = [...(reads.full.length ? [areas(reads.full)] : []), ...(reads.partial.length ? [`parts of ${areas(reads.partial)}`] : [])];
  return parts.length ? `read ${parts.join(' and ')}` : 'read nothing';
}

const permissionList = (ps: readonly Permission[]): string => shortList(ps.map(permissionText), SHOWN);

/**
 * What a role allows, for the person who approves it: "register, update and delete clusters,
 * edit resource-group rules; read everything", then a ⚠️ line for anything unusual.
 */
export function roleRulesLines(s: RoleSummary): string[] {
  const writes = [
    ...(s.clusters.length ? [`${list(s.clusters)} clusters`] : []),
    ...(s.resourceGroupRules.length === 3 ? ['edit resource-group rules'] : s.resourceGroupRules.length ? [`${list(s.resourceGroupRules.map((a) => RULE_ACTION[a]))} resource-group rules`] : []),
    ...(s.otherWrites.length ? [`also ${permissionList(s.otherWrites)}`] : []),
  ];
  const lines = [`${writes.length ? writes.join(', ') : 'change nothing'}; ${readsText(s.reads)}`];
  if (!s.canLogIn) lines.push("⚠️ cannot log in to the dashboard: the role lacks `get` on `/rest-api/v1/authn`");
  if (s.objects.length) lines.push(`⚠️ also works on the hub's Kubernetes objects: ${permissionList(s.objects)}`);
  const d = s.differences;
  if (d && (d.added.length || d.removed.length)) {
    const parts = [...(d.added.length ? [`adds ${permissionList(d.added)}`] : []), ...(d.removed.length ? [`drops ${permissionList(d.removed)}`] : [])];
    lines.push(`⚠️ differs from Karpor's default ${code(s.clusterRole)}: ${parts.join('; ')}`);
  }
  return lines;
}

/** The approval card's lines on what the role allows; none for a request made before cards said so. */
export function roleAllowsLines(allows: RoleSummary | null | undefined): string[] {
  if (allows === undefined) return [];
  if (allows === null) return ["⚠️ What the role allows could not be read from the hub: check its ClusterRole before approving."];
  const [first, ...warnings] = roleRulesLines(allows);
  return [`*It allows* (ClusterRole ${code(allows.clusterRole)}): ${first}`, ...warnings];
}
