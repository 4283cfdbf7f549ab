import type { BreakGlassMessage } from '../../../domain/break-glass';
import { formatDuration } from '../../../domain/duration';
import type { Grant } from '../../../domain/grant';
import { quoted, slackDate } from '../markup';
import { mention, relative } from './common';

/** Every sentence about break-glass, in Simplified Chinese (the English: ../break-glass.ts). */

export function sayBreakGlass(m: BreakGlassMessage): string {
  switch (m.kind) {
    case 'break-glass-needs-reason':
      return '紧急授权（break-glass）需要理由：`/karpor-token <角色> [时长] --break-glass -- <出了什么紧急情况>`。';
    case 'no-break-glass':
      return `\`${m.role}\` 没有紧急授权；请按常规方式申请。`;
    case 'break-glass-not-allowed':
      return `你不在可以对 \`${m.role}\` 使用紧急授权的人员之列。`;
    case 'break-glass-too-long':
      return `紧急授权最多给 \`${m.role}\` ${formatDuration(m.maxSeconds)}；你申请的是 ${formatDuration(m.seconds)}。`;
    case 'break-glass-issued':
      return `:rotating_light: 紧急授权：你的 \`${m.role}\` 令牌已发到我们的私信中，有效至 ${slackDate(m.expiresAt)}。已通知审批人；如果在 ${slackDate(m.confirmBy)}（${relative(m.confirmBy, m.now)}）之前没有人确认，它将被撤销。`;
    case 'break-glass-confirmed':
      return `已确认：${mention(m.grant.userId)} 保留 \`${m.grant.role}\` 至 ${slackDate(m.grant.expiresAt)}。`;
    case 'not-break-glass':
      return '这项授权不是紧急授权。';
    case 'break-glass-already-confirmed':
      return `${mention(m.by)} 已经确认过了。`;
    case 'own-break-glass':
      return '你不能确认自己的紧急授权；必须由另一位审批人确认。';
    case 'not-a-confirmer':
      return `只有 \`${m.role}\` 的审批人才能确认这项紧急授权。`;
    case 'break-glass-gone':
      return '这项紧急授权已结束或正在撤销；没有可确认的内容。';
    case 'your-break-glass-confirmed':
      return `${mention(m.by)} 确认了你的 \`${m.grant.role}\` 紧急授权 \`${m.grant.id}\`；它有效至 ${slackDate(m.grant.expiresAt)}。`;
    case 'your-break-glass-revoked':
      return `没有人及时确认你的 \`${m.grant.role}\` 紧急授权 \`${m.grant.id}\`，所以我撤销了它。请按常规方式申请该角色。`;
  }
}

export function breakGlassCardText(grant: Grant, now: Date): string {
  const reason = grant.reason ? quoted(grant.reason) : '';
  const confirmBy = grant.breakGlass?.confirmBy ?? now;
  return `:rotating_light: *紧急授权*：${mention(grant.userId)} 未经审批取得了 *${grant.role}*，有效至 ${slackDate(grant.expiresAt)}。${reason}\n除非有审批人确认，它将于 ${slackDate(confirmBy)} 被撤销。`;
}

export function breakGlassConfirmedText(grant: Grant, by: string): string {
  return `:white_check_mark: ${mention(grant.userId)} 对 *${grant.role}* 的*紧急授权*（授权 \`${grant.id}\`）已由 ${mention(by)} 确认；它有效至 ${slackDate(grant.expiresAt)}。`;
}
