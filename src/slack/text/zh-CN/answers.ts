import { DeliveryError, DirectoryUnavailableError, HubError, TokenRefusedError, UserFacingError, type HubErrorKind } from '../../../domain/errors';
import { formatDuration } from '../../../domain/duration';
import type { Message } from '../../../domain/messages';
import { MIN_SECONDS, type RolePolicy } from '../../../domain/policy';
import type { AccessRequest } from '../../../domain/request';
import { escapeMrkdwn, slackDate, typed } from '../markup';
import { sayBreakGlass } from './break-glass';
import { mention, relative } from './common';
import { doctorMessage } from '../doctor';
import { DOCTOR } from './doctor';

/** Every sentence the bot says in answers and DMs, in Simplified Chinese (the English ones: ../answers.ts). */

export const USAGE =
  '用法：`/karpor-token <角色> [时长] [-- 理由]`、`/karpor-token status`、' +
  '`/karpor-token revoke [<授权 ID>|all|@某人]`、`/karpor-token doctor`（审批人）、`/karpor-token help`。时长的写法如 30m、8h、1h30m、2d。';

const RBAC_OFF = 'Karpor hub 关闭了 RBAC（EnableRBAC=false）：它接受任何令牌，因此本机器人发放的令牌起不到任何保护作用。请在 Karpor 中开启 RBAC（Helm：server.enableRbac=true）。';

const HUB_TROUBLE: Record<HubErrorKind, string> = {
  unavailable: 'Karpor hub 暂时没有响应，未发放任何令牌。请过一分钟再试。',
  forbidden: '机器人无权在 Karpor hub 上执行此操作，需要修正它在那里的权限。请告知你的 Karpor 管理员。',
  'not-found': '机器人在 Karpor hub 上需要的某样东西不见了。请告知你的 Karpor 管理员。',
  conflict: '有人在同一时刻修改了 Karpor hub 上的同一对象。请重试。',
  invalid: 'Karpor hub 拒绝了该请求。请告知你的 Karpor 管理员。',
};

const UNDELIVERED: Record<DeliveryError['failed'], string> = {
  'open-dm': '我无法与你开启私信，因此未发放任何令牌。请确认你可以给 Karpor token 应用发消息，然后重试。',
  'post-token': '我无法把令牌放进我们的私信里，因此已将其撤销。请与 Karpor token 应用开启私信（应用 → Karpor tokens）后重试。',
};

const STATE: Record<AccessRequest['state'], string> = {
  pending: '待审批',
  approved: '已批准',
  delivered: '已批准',
  failed: '已批准',
  denied: '已拒绝',
  cancelled: '已取消',
  expired: '已过期',
};

function tokenRefused(status: number): string {
  const why =
    status === 401
      ? 'Karpor hub 不认识这个新令牌'
      : status === 403
        ? 'Karpor hub 认得这个新令牌，但不允许它登录（其角色缺少登录检查的权限）'
        : status === 0
          ? '我检查新令牌时 Karpor hub 没有响应'
          : `我检查新令牌时 Karpor hub 返回了 ${status}`;
  return `我没有把令牌发给你：${why}，它在控制台里也不会生效。我已删除这项授权。请重试，如果一再发生，请告知你的 Karpor 管理员。`;
}

export function mayRequest(roles: RolePolicy[]): string {
  if (roles.length === 0) return '你不能申请任何 Karpor 角色；请让你的 Karpor 管理员把你加入有权申请的用户组。';
  const items = roles.map((r) => `\`${r.alias}\`（最长 ${formatDuration(r.maxSeconds)}${r.approval ? '，需要审批' : ''}）`);
  return `你可以申请：${items.join('、')}。`;
}

const DECIDED: Record<AccessRequest['state'], string> = {
  pending: '待审批',
  approved: '批准',
  delivered: '批准',
  failed: '批准',
  denied: '拒绝',
  cancelled: '取消',
  expired: '过期',
};

/** How a request ended, for the loser of a race and for the cards: `已由 @x 拒绝（…）`. */
export function outcome(req: AccessRequest): string {
  if (req.state === 'pending') return DECIDED.pending;
  const by = req.decidedBy && req.state !== 'expired' ? `由 ${mention(req.decidedBy)} ` : '';
  const at = req.decidedAt ? `（${slackDate(req.decidedAt)}）` : '';
  return `已${by}${DECIDED[req.state]}${at}`;
}

export function stateName(state: AccessRequest['state']): string {
  return STATE[state];
}

export function say(m: Message): string {
  switch (m.kind) {
    // What was typed
    case 'command-too-long':
      return `这条命令有 ${m.length} 个字符，最多 ${m.max} 个。`;
    case 'reason-needs-role':
      return `理由前面需要先写角色。${USAGE}`;
    case 'takes-nothing':
      return `\`${m.word}\` 后面不接任何内容。${USAGE}`;
    case 'not-a-role':
      return `“${m.word}”不是角色名。${USAGE}`;
    case 'unexpected-after-duration':
      return `时长后面多了“${m.word}”。${USAGE}`;
    case 'not-a-duration':
      return `“${m.word}”不是时长。请用天、小时和分钟，例如 30m、8h、1h30m 或 2d。`;
    case 'zero-duration':
      return '时长必须大于零。';
    case 'empty-reason':
      return '`--` 后面的理由是空的。请说明你为什么需要访问权限，或者去掉 `--`。';
    case 'reason-too-long':
      return `理由有 ${m.length} 个字符，最多 ${m.max} 个。`;
    case 'revoke-takes-no-reason':
      return '`revoke` 不接理由。';
    case 'revoke-takes-one-thing':
      return `\`revoke\` 只接一项：授权 ID、\`all\` 或 @某人。${USAGE}`;
    case 'not-a-grant-id':
      return `“${m.word}”不是授权 ID（见 \`/karpor-token status\`）、\`all\` 或 @某人。`;
    // The policy
    case 'no-such-role':
      return `没有名为“${m.role}”的角色。${mayRequest(m.mine)}`;
    case 'not-allowed':
      return `你不在可以申请 \`${m.role}\` 的用户组中。${mayRequest(m.mine)}`;
    case 'too-short':
      return `${formatDuration(m.seconds)} 太短了：令牌最短有效 ${formatDuration(MIN_SECONDS)}。`;
    case 'too-long':
      return `\`${m.role}\` 最长只能申请 ${formatDuration(m.maxSeconds)}；你申请的是 ${formatDuration(m.seconds)}。`;
    // An access request's steps
    case 'own-request':
      return m.step === 'approve' ? '你不能批准自己的申请。' : '你不能处理自己的申请；如要撤回，请点“取消申请”。';
    case 'not-an-approver':
      return `只有 \`${m.role}\` 的审批用户组成员才能${m.step === 'approve' ? '批准' : '拒绝'}这项申请。`;
    case 'approved-already':
      return `你已经批准过这项申请；它还需要 ${m.more} 个批准。`;
    case 'not-the-requester':
      return '只有申请人本人才能取消这项申请。';
    case 'request-expired':
      return `这项申请已于 ${slackDate(m.expiresAt)}（${relative(m.expiresAt, m.now)}）过期，无人处理。`;
    case 'request-decided':
      return `这项申请${outcome(m.request)}。`;
    case 'not-in-state':
      return `这项申请的状态是“${STATE[m.state as AccessRequest['state']] ?? m.state}”，而不是“${STATE[m.expected]}”。`;
    case 'not-expired-yet':
      return '这项申请还没有过期。';
    case 'no-such-request':
      return '这项申请不存在。';
    case 'role-gone':
      return `策略中已经没有角色 \`${m.role}\`。`;
    // Answers
    case 'issued':
      return `你的 \`${m.role}\` 令牌已发到我们的私信中。${m.expiresAt ? `它将于 ${slackDate(m.expiresAt)}（${relative(m.expiresAt, m.now)}）过期。` : ''}`;
    case 'help':
      return [
        ...(m.hubAcceptsAnyToken ? [`:warning: ${RBAC_OFF}`] : []),
        '*Karpor 令牌*：`/karpor-token <角色> [时长]` 会通过私信给你发送一个有时限的 Karpor 控制台令牌。',
        mayRequest(m.mine),
        USAGE,
      ].join('\n');
    case 'status': {
      const approvedBy = (ids?: string[]) => (ids?.length ? `，由 ${ids.map(mention).join('、')} 批准` : '');
      const parts = [
        m.grants.length === 0
          ? '你没有生效中的 Karpor 授权。'
          : `你生效中的 Karpor 授权：\n${m.grants.map((g) => `• \`${g.id}\` ${g.role}，${slackDate(g.expiresAt)}（${relative(g.expiresAt, m.now)}）到期${approvedBy(g.approvedBy)}`).join('\n')}`,
      ];
      if (m.requests.length > 0) {
        parts.push(`你等待审批的申请：\n${m.requests.map((r) => `• \`${r.id}\` ${r.role}，时长 ${formatDuration(r.seconds)}，开放至 ${slackDate(r.expiresAt)}（${relative(r.expiresAt, m.now)}）`).join('\n')}`);
      }
      return parts.join('\n');
    }
    case 'unknown-grant':
      return `这项授权已不存在，或者不是你的。${m.askAgain ? '请用 `/karpor-token <角色>` 重新申请。' : ''}`;
    case 'grant-expired':
      return '这项授权已过期。请用 `/karpor-token` 申请新令牌。';
    case 'revoked-by-policy':
      return `你已不能再拥有 \`${m.role}\`，所以我撤销了这项授权。`;
    case 'shown-again':
      return '这项授权的新令牌已发到你的私信中。';
    case 'revoking-others-refused':
      return '只有审批人和 Karpor 管理员才能撤销别人的授权。';
    case 'revoked-all': {
      const whose = m.self ? '你' : mention(m.owner);
      const grants = m.count === 0 ? `${whose}没有可撤销的生效授权。` : `已撤销${whose}的 ${m.count} 项授权；其令牌将在 10 秒内失效。`;
      return m.requests > 0 ? `${grants}同时结束了${whose}的 ${m.requests} 项未决申请；它们都不会再发放。` : grants;
    }
    case 'no-grant-to-revoke':
      return `你没有授权 \`${m.grantId}\`。见 \`/karpor-token status\`。`;
    case 'revoked':
      return `已撤销授权 \`${m.grant.id}\`（${m.grant.role}）；其令牌将在 10 秒内失效。`;
    case 'needs-reason':
      return `\`${m.role}\` 需要理由：\`/karpor-token ${m.role} ${formatDuration(m.seconds)} -- <你为什么需要它>\`。`;
    case 'request-pending':
      return `你对 \`${m.request.role}\`（${formatDuration(m.request.seconds)}）的申请正在等待审批，截止到 ${slackDate(m.request.expiresAt)}。令牌会发到我们的私信中。`;
    case 'too-many-open-requests':
      return `你已有 ${m.open} 项申请在等待审批；同时最多 ${m.max} 项。请取消一项，或等待处理结果（见 \`/karpor-token status\`）。`;
    case 'approval-recorded':
      return `已记录你的批准；这项申请还需要 ${m.more} 个批准。`;
    case 'approved':
      return `已批准。${mention(m.requester)} 马上会收到令牌。`;
    case 'denied':
      return '已拒绝；已告知申请人原因。';
    case 'cancelled':
      return '你的申请已取消。';
    case 'form-expired':
      return '这个表单已失效；请用 `/karpor-token <角色> [时长]` 重新申请。';
    case 'clicking-too-fast':
      return `连续点击太多次了，这一次我没有处理。请等 ${m.waitSeconds} 秒，然后只点一次。`;
    case 'role-mismatch':
      return `Hub 上 \`${m.role}\` 的 RBAC 与本机器人的预期不符（${escapeMrkdwn(m.problem)}），因此我没有发放任何令牌。已通知你的 Karpor 管理员。（编号 ${m.ref}）`;
    case 'failed':
      if (m.error instanceof HubError && !m.error.userMessage) return `${HUB_TROUBLE[m.error.kind]}（编号 ${m.ref}）`;
      if (m.error instanceof UserFacingError) return `${m.error.userMessage}（编号 ${m.ref}）`;
      if (m.error instanceof DeliveryError) return `${UNDELIVERED[m.error.failed]}（编号 ${m.ref}）`;
      if (m.error instanceof TokenRefusedError) return `${tokenRefused(m.error.status)}（编号 ${m.ref}）`;
      if (m.error instanceof DirectoryUnavailableError) return `我现在无法查询你所在的 Slack 用户组，因此什么也不能给你。请过几分钟再试。（编号 ${m.ref}）`;
      return `我这边出了问题，未发放任何令牌。请重试，如果一再发生，请告知你的 Karpor 管理员（编号 ${m.ref}）。`;
    case 'doctor':
      return doctorMessage(m.findings, m.now, DOCTOR).text;
    case 'doctor-refused':
      return '只有审批人和有权撤销授权的人才能运行体检（`/karpor-token doctor` 或 `selftest`）。';
    // DMs about what others (or time) did
    case 'your-grants-revoked':
      return `${mention(m.by)} 撤销了你的 Karpor 授权（${m.count} 项）${m.requests > 0 ? `，并结束了你的未决访问申请（${m.requests} 项）` : ''}。`;
    case 'your-grant-revoked':
      return `${mention(m.by)} 撤销了你的 \`${m.grant.role}\` Karpor 授权 \`${m.grant.id}\`。`;
    case 'your-grant-ended-by-membership':
      return `我撤销了你的 \`${m.grant.role}\` Karpor 授权 \`${m.grant.id}\`：你已不在可以拥有 \`${m.grant.role}\` 的 Slack 用户组中。其令牌将在 10 秒内失效。`;
    case 'your-request-denied':
      return `${mention(m.by)} 拒绝了你对 \`${m.request.role}\`（${formatDuration(m.request.seconds)}）的申请：${typed(m.reason)}`;
    case 'your-request-expired':
      return `你对 \`${m.request.role}\` 的申请已于 ${slackDate(m.request.expiresAt)} 过期，无人处理。如仍需要，请重新申请。`;
    case 'your-request-delivered':
      return `${mention(m.request.decidedBy ?? '')} 批准了你对 \`${m.request.role}\` 的申请；令牌就在这条私信中（仅你可见）。`;
    case 'your-request-failed':
      return `你对 \`${m.request.role}\` 的申请已由 ${mention(m.request.decidedBy ?? '')} 批准，但我未能发放令牌。请重新申请。`;
    default:
      return sayBreakGlass(m);
  }
}
