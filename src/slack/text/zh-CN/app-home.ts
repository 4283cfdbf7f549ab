import { formatDuration } from '../../../domain/duration';
import type { Grant } from '../../../domain/grant';
import type { RolePolicy } from '../../../domain/policy';
import type { AccessRequest } from '../../../domain/request';
import type { HomeWords } from '../app-home';
import { quoted, slackDate } from '../markup';

/** The words of the Home tab in Simplified Chinese (the English: ../app-home.ts). */
export const HOME: HomeWords = {
  title: 'Karpor 令牌',
  intro: 'Karpor 控制台的限时令牌。本页会随着你的授权和申请的变化而更新。',
  grantsHeading: '你的授权',
  noGrants: '你没有生效中的授权。',
  requestsHeading: '你等待审批的申请',
  waitingHeading: '等你审批的申请',
  nothingWaiting: '没有等你审批的申请。',
  askHeading: '申请访问权限',
  noRoles: '你不能申请任何 Karpor 角色；请让你的 Karpor 管理员把你加入有权申请的用户组。',
  showAgain: '再次显示令牌',
  revoke: '立即撤销',
  revokeConfirmTitle: '撤销这项授权？',
  revokeConfirmText: '这项授权的所有令牌会立即失效。',
  revokeConfirm: '撤销',
  revokeKeep: '保留',
  cancel: '取消申请',
  approve: '批准',
  deny: '拒绝',
  usage: '也可以在任何地方输入 `/karpor-token help`。',
  updated: (now: Date) => `更新于 ${slackDate(now)}。`,
  grant: (g: Grant) => {
    const approved = g.approvedBy?.length ? `，由 ${g.approvedBy.map((u) => `<@${u}>`).join('、')} 批准` : '';
    return `:key: *${g.role}*，有效至 ${slackDate(g.expiresAt)}${approved}。授权 \`${g.id}\`。`;
  },
  request: (r: AccessRequest) => `:hourglass_flowing_sand: *${r.role}*，时长 ${formatDuration(r.seconds)}，开放至 ${slackDate(r.expiresAt)}。申请 \`${r.id}\`。`,
  waiting: (r: AccessRequest) => {
    const reason = r.reason ? quoted(r.reason) : '';
    return `:closed_lock_with_key: <@${r.requester}> 申请 *${r.role}*，时长 *${formatDuration(r.seconds)}*，开放至 ${slackDate(r.expiresAt)}。${reason}`;
  },
  roleButton: (r: RolePolicy) => `${r.alias}（${formatDuration(r.defaultSeconds)}）`,
  roles: (roles: RolePolicy[]) =>
    roles.map((r) => `\`${r.alias}\`：默认 ${formatDuration(r.defaultSeconds)}，最长 ${formatDuration(r.maxSeconds)}${r.approval ? '，需要审批' : ''}`).join('\n'),
};
