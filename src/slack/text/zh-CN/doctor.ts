import { formatDuration } from '../../../domain/duration';
import type { Finding } from '../../../domain/doctor';
import { CLOSE_ANONYMOUS_READS, ENABLE_RBAC, type DoctorWords } from '../doctor';
import { code, slackDate } from '../markup';
import { list, relative, shortList } from './common';
import { permissionText } from './role-rules';

/** The check-up's lines in Simplified Chinese (the English ones and the blocks: ../doctor.ts). */

/** Differences listed per role before the rest is only counted. */
const SHOWN = 4;

export const DOCTOR: DoctorWords = {
  heading: 'Karpor 令牌机器人体检',
  verdict: (fails, warns) =>
    fails + warns === 0 ? '所有检查项都正常' : [...(fails ? [`${fails} 个问题`] : []), ...(warns ? [`${warns} 个警告`] : [])].join('、'),
  title: (verdict) => `Karpor 令牌机器人体检：${verdict}`,
  checked: (verdict, now) => `${verdict}（检查于 ${slackDate(now)}）。`,
  finding: (f, now) => words(f, now),
};

function words(f: Finding, now: Date): string {
  switch (f.check) {
    case 'rbac':
      if (f.state === 'on') return '*RBAC 已开启*：hub 会检查每个令牌能做什么。';
      if (f.state === 'off') return `*RBAC 已关闭*：无论有没有令牌，hub 都允许任何人做任何事，因此令牌起不到任何保护作用。请开启 RBAC：${code(ENABLE_RBAC)}`;
      return '*RBAC*：hub 没有说明它是否开启（`GET /server-configs` 中没有 `EnableRBAC`）。请确认机器人连接的是 Karpor 服务器。';
    case 'anonymous-reads':
      if (f.state === 'closed') return '*读取需要令牌*：不带令牌的请求会被拒绝。';
      if (f.state === 'open')
        return (
          `*不带令牌也能读取*（${list(f.openPaths.map(code))} 响应了不带令牌的请求）：访客令牌对读取起不到任何保护作用。` +
          `请把 REST API 从 hub 的 \`anonymous\` ClusterRole 中去掉，同时保留控制台的页面：${code(CLOSE_ANONYMOUS_READS)}。` +
          '删除 `anonymous` ClusterRoleBinding 也能关闭读取，但也会关掉控制台的登录页，而且 Karpor 服务器下次启动时会重新创建该绑定；修改过的角色则会保持不变。'
        );
      return '*不带令牌的读取*：hub 对不带令牌的请求没有给出明确答复；请确认它可以访问。';
    case 'token-maximum':
      if (f.state === 'unknown') return `*令牌最长时限*：无法探测（申请超过 ${formatDuration(f.longestSeconds)} 的令牌失败）。`;
      if (f.state === 'enough') return `*令牌最长时限*：hub 可发放 ${formatDuration(f.grantedSeconds!)}，足够最长的角色（${formatDuration(f.longestSeconds)}）。`;
      return (
        `*令牌最长时限*：hub 最多只发放 ${formatDuration(f.grantedSeconds!)}，因此 ${list(f.cutRoles.map((r) => `${code(r.role)}（最长 ${formatDuration(r.maxSeconds)}）`))} 的令牌会提前失效。` +
        `请把策略中它们的 \`maxSeconds\` 降到 ${formatDuration(f.grantedSeconds!)}，或者用更长的 \`--service-account-max-token-expiration\` 启动 hub。`
      );
    case 'preset-role':
      return presetRole(f);
    case 'policy-roles':
      if (f.missing.length)
        return `*策略角色*：${list(f.missing.map((m) => `${code(m.role)} 指向 ClusterRole ${code(m.clusterRole)}`))}，但 hub 上没有它，因此它的令牌会失败。请修正策略中的 \`clusterRole\`，或在 hub 上创建该角色。`;
      if (f.unknown.length) return `*策略角色*：无法在 hub 上读取 ClusterRole ${list(f.unknown.map(code))}。`;
      return '*策略角色*：每个角色都指向 hub 上存在的 ClusterRole。';
    case 'hub-identity':
      if (f.state === 'works') return '*机器人的 hub 身份*正常：hub 接受了它的凭据，为它签发了探测令牌，并允许它读取它所发放的角色。';
      if (f.state === 'refused')
        return `*机器人的 hub 身份*被拒绝（${list(f.refused.map(code))}）：它的凭据或它在 hub 上的 RBAC 有误。请用这份策略重新运行 \`setup-hub\`（\`helm upgrade\` 会运行它），并检查机器人使用的凭据。`;
      return '*机器人的 hub 身份*：无法检查（拿不到探测令牌或某个角色）；见上面几行。';
    case 'bot-credential':
      switch (f.state) {
        case 'valid':
          return `*机器人的 hub 凭据*有效，至 ${slackDate(f.expiresAt!)}（${relative(f.expiresAt!, now)}）。`;
        case 'expiring':
          return `*机器人的 hub 凭据*将于${relative(f.expiresAt!, now)}（${slackDate(f.expiresAt!)}）过期：机器人会在其有效期剩下三分之一时自行续期；如果续期失败（见日志），请在那之前重新运行 \`setup-hub\`。`;
        case 'expired':
          return `*机器人的 hub 凭据*已于${relative(f.expiresAt!, now)}（${slackDate(f.expiresAt!)}）过期：续期之前，机器人无法在 hub 上工作。`;
        case 'never':
          return '*机器人的 hub 凭据*永不过期。';
        default:
          return '*机器人的 hub 凭据*：无法判断何时过期。';
      }
    case 'slack-scopes':
      if (f.state === 'unknown') return '*Slack 权限范围*：Slack 没有说明机器人拥有哪些权限范围。';
      if (f.missing.length) return `*缺少 Slack 权限范围*：${list(f.missing.map(code))}。请把它们加到应用中（清单或 OAuth 设置）并重新安装应用。`;
      if (f.extra.length) return `*Slack 权限范围*：机器人拥有 ${list(f.extra.map(code))}，但并不需要；请去掉它们并重新安装应用。`;
      return '*Slack 权限范围*：正好是机器人需要的那些。';
    case 'user-groups':
      switch (f.state) {
        case 'none-named':
          return '*用户组*：策略中没有指定任何用户组。';
        case 'not-on-plan':
          return `*用户组*：这个工作区没有用户组（Slack 付费功能），因此策略中的 ${list(f.missing.map(code))} 匹配不到任何人。请改为在策略中用用户 ID 指定人员。`;
        case 'unreadable':
          return '*用户组*：Slack 没有列出用户组；请检查 `usergroups:read` 权限范围。';
        default:
          return f.missing.length
            ? `*用户组*：策略中的 ${list(f.missing.map(code))} 在 Slack 中不存在，因此没有人算作成员。请修正策略中的名称。`
            : '*用户组*：策略中指定的每个用户组在 Slack 中都存在。';
      }
    case 'approvers':
      return f.status === 'ok'
        ? `*${code(f.role)} 的审批人*：可联系 ${f.reachable} 人，需要 ${f.needed} 人。`
        : `*${code(f.role)} 的审批人*：只能联系 ${f.reachable} 人，但需要 ${f.needed} 人，因此它的申请无法获批。请在策略中添加审批人，或确认他们能收到机器人的私信。`;
  }
}

function presetRole(f: Extract<Finding, { check: 'preset-role' }>): string {
  const role = code(f.role);
  switch (f.state) {
    case 'default':
      return `*${role}* 保持着 Karpor 的默认规则。`;
    case 'missing':
      return `*${role}* 不在 hub 上（Karpor 服务器下次启动时会创建它）。`;
    case 'unknown':
      return `*${role}*：无法在 hub 上读取。`;
    default: {
      const parts = [
        ...(f.added.length ? [`额外允许 ${shortList(f.added.map(permissionText), SHOWN)}`] : []),
        ...(f.removed.length ? [`不再允许 ${shortList(f.removed.map(permissionText), SHOWN)}`] : []),
      ];
      return `*${role}* 与 Karpor 的默认规则不同：它${parts.join('；它')}。请确认这是有意为之：它的每个令牌都带有这项改动。`;
    }
  }
}
