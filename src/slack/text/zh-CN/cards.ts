import { formatDuration } from '../../../domain/duration';
import type { Grant } from '../../../domain/grant';
import type { AccessRequest } from '../../../domain/request';
import type { CardWords } from '../cards';
import { slackDate, typed } from '../markup';
import { outcome, stateName } from './answers';
import { breakGlassCardText, breakGlassConfirmedText } from './break-glass';
import { mention, relative } from './common';

/** The words on cards, buttons and forms in Simplified Chinese (the English: ../cards.ts). */

function decided(req: AccessRequest): string {
  switch (req.state) {
    case 'delivered':
      return `由 <@${req.decidedBy}> *批准*（${slackDate(req.decidedAt!)}）；令牌于 ${slackDate(req.tokenExpiresAt!)} 过期。`;
    case 'denied':
      return `由 <@${req.decidedBy}> *拒绝*（${slackDate(req.decidedAt!)}）：${typed(req.denyReason ?? '')}`;
    case 'failed':
      return `由 <@${req.decidedBy}> *批准*，但未能发放令牌。`;
    default:
      return `*${outcome(req)}*。`;
  }
}

export const CARDS: CardWords = {
  approval: {
    asks: (req) => `<@${req.requester}> 申请 *${req.role}*，时长 *${formatDuration(req.seconds)}*。`,
    open: (req) => {
      const count = req.approvals.length ? `目前已由 ${req.approvals.map((a) => `<@${a.userId}>`).join('、')} 批准。` : '';
      return `申请 \`${req.id}\`，开放至 ${slackDate(req.expiresAt)}。${count}`;
    },
    decided: (req) => `申请 \`${req.id}\`：${decided(req)}`,
    preview: (req) => `Karpor 访问申请 ${req.id}：${req.role}，时长 ${formatDuration(req.seconds)}（${stateName(req.state)}）`,
    approve: '批准',
    deny: '拒绝',
    cancel: '取消申请',
  },
  reasonForm: {
    title: 'Karpor 访问',
    submit: '提交审批',
    close: '取消',
    needsApproval: (role, seconds) => `*${role}*（*${formatDuration(seconds)}*）需要审批。`,
    label: '你为什么需要它？',
    empty: '请说明你为什么需要访问权限。',
  },
  denyForm: {
    title: '拒绝申请',
    submit: '拒绝',
    close: '返回',
    label: '原因（会发给申请人）',
    empty: '请告诉申请人原因。',
  },
  token: {
    preview: (grant: Grant) => `你的 Karpor ${grant.role} 令牌，有效至 ${slackDate(grant.expiresAt)}`,
    heading: (grant: Grant, now: Date) => `*你的 Karpor \`${grant.role}\` 令牌* — 有效至 *${slackDate(grant.expiresAt)}*（${relative(grant.expiresAt, now)}）。`,
    dashboard: 'Karpor 控制台',
    howTo: (where: string, grant: Grant) =>
      `请把它粘贴到 ${where} 的登录页。这条消息仅你可见，且不会被保存；如果弄丢了，请使用下方授权卡片上的*再次显示令牌*。授权 \`${grant.id}\`。`,
    outlasts: (grant: Grant, tokenExpiresAt: Date) =>
      `:warning: Hub 不签发短于 10 分钟的令牌，所以这个令牌的签名有效期至 ${slackDate(tokenExpiresAt)}。授权在 ${slackDate(grant.expiresAt)} 结束时我会删除它，令牌会在一分钟内失效；只有那时机器人没有运行，它才会一直有效到 ${slackDate(tokenExpiresAt)}。`,
  },
  grant: {
    preview: (grant: Grant) => `Karpor 授权 ${grant.id}：${grant.role}，有效至 ${slackDate(grant.expiresAt)}`,
    text: (grant: Grant) => {
      const approved = grant.approvedBy?.length ? `由 ${grant.approvedBy.map(mention).join('、')} 批准。` : '';
      return `:key: Karpor 授权 \`${grant.id}\`：*${grant.role}*，有效至 ${slackDate(grant.expiresAt)}。${approved}`;
    },
    showAgain: '再次显示令牌',
    revoke: '立即撤销',
    revokeConfirmTitle: '撤销这项授权？',
    revokeConfirmText: '这项授权的所有令牌会在 10 秒内失效。',
    revokeConfirm: '撤销',
    revokeKeep: '保留',
    revoked: (grant) => `Karpor 授权 \`${grant.id}\`（${grant.role}）已撤销。`,
    reminder: (grant: Grant) => `你的 Karpor \`${grant.role}\` 授权 \`${grant.id}\` 将于 ${slackDate(grant.expiresAt)} 结束。`,
    extend: '延长',
  },
  breakGlass: {
    preview: (grant: Grant) => `紧急授权：<@${grant.userId}> 的 ${grant.role}，待确认`,
    text: breakGlassCardText,
    confirmed: breakGlassConfirmedText,
    confirm: '确认',
  },
};
