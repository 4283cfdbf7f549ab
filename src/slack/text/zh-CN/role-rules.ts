import type { ClusterAction, Permission, ReadArea, RoleSummary, RuleAction } from '../../../domain/role-rules';
import { code } from '../markup';
import { list, shortList } from './common';

/** What a role allows, in Simplified Chinese (the English: ../role-rules.ts). */

const SHOWN = 4;

const READ_AREA: Record<ReadArea, string> = { clusters: '集群', 'resource-groups': '资源组', search: '搜索', insight: '洞察' };
const CLUSTER_ACTION: Record<ClusterAction, string> = { register: '注册', update: '更新', delete: '删除' };
const RULE_ACTION: Record<RuleAction, string> = { create: '创建', update: '修改', delete: '删除' };

/** `` `post` 于 `/rest-api/v1/cluster/*` ``. */
export function permissionText(p: Permission): string {
  if (p.kind === 'url') return `${code(p.verb)} 于 ${code(p.url)}`;
  const group = p.apiGroup ? `${p.apiGroup}/` : '';
  return `${code(p.verb)} 于 ${code(`${group}${p.resource}${p.name ? `/${p.name}` : ''}`)}`;
}

function readsText(reads: RoleSummary['reads']): string {
  if (reads === 'everything') return '读取全部内容';
  const areas = (as: ReadArea[]): string => list(as.map((a) => READ_AREA[a]));
  const parts = [...(reads.full.length ? [areas(reads.full)] : []), ...(reads.partial.length ? [`部分${areas(reads.partial)}`] : [])];
  return parts.length ? `读取${parts.join('和')}` : '不能读取任何内容';
}

const permissionList = (ps: readonly Permission[]): string => shortList(ps.map(permissionText), SHOWN);

export function roleRulesLines(s: RoleSummary): string[] {
  const writes = [
    ...(s.clusters.length ? [`${list(s.clusters.map((a) => CLUSTER_ACTION[a]))}集群`] : []),
    ...(s.resourceGroupRules.length === 3 ? ['编辑资源组规则'] : s.resourceGroupRules.length ? [`${list(s.resourceGroupRules.map((a) => RULE_ACTION[a]))}资源组规则`] : []),
    ...(s.otherWrites.length ? [`还可 ${permissionList(s.otherWrites)}`] : []),
  ];
  const lines = [`${writes.length ? writes.join('，') : '不能更改任何内容'}；${readsText(s.reads)}`];
  if (!s.canLogIn) lines.push('⚠️ 无法登录控制台：该角色缺少 `/rest-api/v1/authn` 上的 `get`');
  if (s.objects.length) lines.push(`⚠️ 还能操作 hub 自身的 Kubernetes 对象：${permissionList(s.objects)}`);
  const d = s.differences;
  if (d && (d.added.length || d.removed.length)) {
    const parts = [...(d.added.length ? [`增加了 ${permissionList(d.added)}`] : []), ...(d.removed.length ? [`去掉了 ${permissionList(d.removed)}`] : [])];
    lines.push(`⚠️ 与 Karpor 默认的 ${code(s.clusterRole)} 不同：${parts.join('；')}`);
  }
  return lines;
}

export function roleAllowsLines(allows: RoleSummary | null | undefined): string[] {
  if (allows === undefined) return [];
  if (allows === null) return ['⚠️ 无法从 hub 读取该角色允许做什么：批准前请检查它的 ClusterRole。'];
  const [first, ...warnings] = roleRulesLines(allows);
  return [`*它允许*（ClusterRole ${code(allows.clusterRole)}）：${first}`, ...warnings];
}
