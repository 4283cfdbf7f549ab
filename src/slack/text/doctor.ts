import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration';
import type { Finding, Status } from '../../domain/doctor';
import { overall } from '../../domain/doctor';
import { code, list, relative, shortList, slackDate } from './markup';
import { permissionText } from './role-rules';

const MARK: Record<Status, string> = { ok: '✅', warn: '⚠️', fail: '❌' };
/** Differences listed per role before the rest is only counted. */
const SHOWN = 4;

export const ENABLE_RBAC = 'helm upgrade <release> kusionstack/karpor -n <namespace> --reuse-values --set server.enableRbac=true';

/**
 * Closes reads without a token but keeps the dashboard's own pages open (the login page loads
 * before anyone has a token): drops `/rest-api/*` and the insight rule from Karpor's default
 * `anonymous` ClusterRole. The `test` operations make it refuse a role that is not the default.
 */
export const ANONYMOUS_ROLE_PATCH = [
  { op: 'test', path: '/rules/0/nonResourceURLs/1', value: '/rest-api/*' },
  { op: 'test', path: '/rules/1/nonResourceURLs/0', value: '/rest-api/v1/insight/aggregator/*' },
  { op: 'remove', path: '/rules/1' },
  { op: 'remove', path: '/rules/0/nonResourceURLs/1' },
];
export const CLOSE_ANONYMOUS_READS = `kubectl patch clusterrole anonymous --type=json -p '${JSON.stringify(ANONYMOUS_ROLE_PATCH)}'`;

/** The check-up's words in one language; the blocks are the same in every one. */
export interface DoctorWords {
  heading: string;
  /** How the findings add up: "everything checked is as it should be", "1 problem and 2 warnings". */
  verdict(fails: number, warns: number): string;
  /** The message's preview: the heading and the verdict. */
  title(verdict: string): string;
  checked(verdict: string, now: Date): string;
  /** What was found and what to do about it. */
  finding(f: Finding, now: Date): string;
}

export const DOCTOR: DoctorWords = {
  heading: 'Karpor token bot check-up',
  verdict: (fails, warns) => (fails + warns === 0 ? 'everything checked is as it should be' : list([...(fails ? [count(fails, 'problem')] : []), ...(warns ? [count(warns, 'warning')] : [])])),
  title: (verdict) => `Karpor token bot check-up: ${verdict}`,
  checked: (verdict, now) => `${verdict} (checked ${slackDate(now)}).`,
  finding: (f, now) => words(f, now),
};

/** One mrkdwn line per finding: ✅/⚠️/❌, what was found, and what to do about it. */
export function doctorLine(f: Finding, now: Date, w: DoctorWords = DOCTOR): string {
  return `${MARK[f.status]} ${w.finding(f, now)}`;
}

export function doctorMessage(findings: readonly Finding[], now: Date, w: DoctorWords = DOCTOR): { text: string; blocks: KnownBlock[] } {
  const verdict = w.verdict(findings.filter((f) => f.status === 'fail').length, findings.filter((f) => f.status === 'warn').length);
  return {
    text: w.title(verdict),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: w.heading } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${MARK[overall(findings)]} ${w.checked(verdict, now)}` }] },
      ...findings.map((f): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: doctorLine(f, now, w) } })),
    ],
  };
}

const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function words(f: Finding, now: Date): string {
  switch (f.check) {
    case 'rbac':
      if (f.state === 'on') return '*RBAC is on*: the hub checks what each token may do.';
      if (f.state === 'off')
        return `*RBAC is off*: the hub lets anyone do anything, with or without a token, so the tokens protect nothing. Turn RBAC on: ${code(ENABLE_RBAC)}`;
      return `*RBAC*: the hub did not say whether it is on (no \`EnableRBAC\` in \`GET /server-configs\`). Check that the bot talks to a Karpor server.`;
    case 'anonymous-reads':
      if (f.state === 'closed') return '*Reads need a token*: requests without one are refused.';
      if (f.state === 'open')
        return (
          `*Reads are open without a token* (${list(f.openPaths.map(code))} answered a request with none): a guest token protects nothing for reads. ` +
          `Take the REST API out of the hub's \`anonymous\` ClusterRole, keeping the dashboard's pages: ${code(CLOSE_ANONYMOUS_READS)}. ` +
          "Deleting the `anonymous` ClusterRoleBinding closes reads too, but also the dashboard's login page, and Karpor's server creates the binding again at its next start; a patched role stays as it is."
        );
      return '*Reads without a token*: the hub gave no clear answer to a request without one; check that it is reachable.';
    case 'token-maximum':
      if (f.state === 'unknown') return `*Token maximum*: could not be probed (a token request for longer than ${formatDuration(f.longestSeconds)} failed).`;
      if (f.state === 'enough') return `*Token maximum*: the hub grants ${formatDuration(f.grantedSeconds!)}, enough for the longest role (${formatDuration(f.longestSeconds)}).`;
      return (
        `*Token maximum*: the hub grants at most ${formatDuration(f.grantedSeconds!)}, so tokens for ${list(f.cutRoles.map((r) => `${code(r.role)} (up to ${formatDuration(r.maxSeconds)})`))} end early. ` +
        `Lower their \`maxSeconds\` in the policy to ${formatDuration(f.grantedSeconds!)}, or start the hub with a longer \`--service-account-max-token-expiration\`.`
      );
    case 'preset-role':
      return presetRole(f);
    case 'policy-roles':
      if (f.missing.length)
        return `*Policy roles*: ${list(f.missing.map((m) => `${code(m.role)} points at ClusterRole ${code(m.clusterRole)}`))}, which the hub does not have, so tokens for it fail. Fix \`clusterRole\` in the policy or create the role on the hub.`;
      if (f.unknown.length) return `*Policy roles*: could not read ClusterRole ${list(f.unknown.map(code))} on the hub.`;
      return '*Policy roles*: every role points at a ClusterRole the hub has.';
    case 'hub-identity':
      if (f.state === 'works') return "*The bot's hub identity* works: the hub accepted its credential, made it a probe token and let it read the roles it hands out.";
      if (f.state === 'refused')
        return `*The bot's hub identity* was refused ${list(f.refused.map(code))}: its credential or its hub RBAC is wrong. Run \`setup-hub\` again with this policy (\`helm upgrade\` does) and check the credential the bot uses.`;
      return "*The bot's hub identity*: could not be checked (the probe token or a role could not be had); see the lines above.";
    case 'bot-credential':
      switch (f.state) {
        case 'valid':
          return `*The bot's hub credential* is valid until ${slackDate(f.expiresAt!)} (${relative(f.expiresAt!, now)}).`;
        case 'expiring':
          return `*The bot's hub credential* expires ${relative(f.expiresAt!, now)} (${slackDate(f.expiresAt!)}): the bot renews its own token once a third of its lifetime is left; if it cannot (see the log), run \`setup-hub\` again before then.`;
        case 'expired':
          return `*The bot's hub credential* expired ${relative(f.expiresAt!, now)} (${slackDate(f.expiresAt!)}): the bot cannot work on the hub until it is renewed.`;
        case 'never':
          return "*The bot's hub credential* does not expire.";
        default:
          return "*The bot's hub credential*: could not tell when it expires.";
      }
    case 'slack-scopes':
      if (f.state === 'unknown') return '*Slack scopes*: Slack did not say which scopes the bot holds.';
      if (f.missing.length)
        return `*Slack scopes missing*: ${list(f.missing.map(code))}. Add ${f.missing.length === 1 ? 'it' : 'them'} to the app (its manifest or OAuth settings) and reinstall it.`;
      if (f.extra.length) return `*Slack scopes*: the bot holds ${list(f.extra.map(code))} without needing ${f.extra.length === 1 ? 'it' : 'them'}; remove ${f.extra.length === 1 ? 'it' : 'them'} and reinstall the app.`;
      return '*Slack scopes*: exactly the ones the bot needs.';
    case 'user-groups':
      switch (f.state) {
        case 'none-named':
          return '*User groups*: the policy names none.';
        case 'not-on-plan':
          return `*User groups*: this workspace has none (a paid Slack feature), so ${list(f.missing.map(code))} in the policy match${f.missing.length === 1 ? 'es' : ''} nobody. Name people by user ID in the policy instead.`;
        case 'unreadable':
          return '*User groups*: Slack did not list them; check the `usergroups:read` scope.';
        default:
          return f.missing.length
            ? `*User groups*: ${list(f.missing.map(code))} in the policy ${f.missing.length === 1 ? 'is' : 'are'} not in Slack, so nobody counts as a member. Fix the names in the policy.`
            : '*User groups*: every group the policy names exists in Slack.';
      }
    case 'approvers':
      return f.status === 'ok'
        ? `*Approvers for ${code(f.role)}*: ${f.reachable} reachable, ${f.needed} needed.`
        : `*Approvers for ${code(f.role)}*: ${f.reachable} reachable but ${f.needed} needed, so its requests cannot be approved. Add approvers to the policy, or check that they can get DMs from the bot.`;
  }
}

function presetRole(f: Extract<Finding, { check: 'preset-role' }>): string {
  const role = code(f.role);
  switch (f.state) {
    case 'default':
      return `*${role}* holds Karpor's default rules.`;
    case 'missing':
      return `*${role}* is not on the hub (Karpor's server creates it at its next start).`;
    case 'unknown':
      return `*${role}*: could not be read on the hub.`;
    default: {
      const parts = [
        ...(f.added.length ? [`also allows ${shortList(f.added.map(permissionText), SHOWN)}`] : []),
        ...(f.removed.length ? [`no longer allows ${shortList(f.removed.map(permissionText), SHOWN)}`] : []),
      ];
      return `*${role}* differs from Karpor's default: it ${parts.join('; it ')}. Make sure that is meant: every token for it carries the change.`;
    }
  }
}
