import { DeliveryError, DirectoryUnavailableError, HubError, TokenRefusedError, UserFacingError, type HubErrorKind } from '../../domain/errors';
import { formatDuration } from '../../domain/duration';
import type { Message } from '../../domain/messages';
import { MIN_SECONDS, type RolePolicy } from '../../domain/policy';
import type { AccessRequest } from '../../domain/request';
import { RBAC_OFF } from '../../rbac-monitor';
import { sayBreakGlass } from './break-glass';
import { doctorMessage } from './doctor';
import { escapeMrkdwn, relative, slackDate, typed } from './markup';

/** Every sentence the bot says in answers and DMs, in Slack's mrkdwn, from what the domain decided. */

export const USAGE =
  'Usage: `/karpor-token <role> [duration] [-- reason]`, `/karpor-token status`, ' +
  '`/karpor-token revoke [<grant-id>|all|@person]`, `/karpor-token doctor` (approvers), `/karpor-token help`. Durations look like 30m, 8h, 1h30m, 2d.';

const mention = (userId: string) => `<@${userId}>`;

/** What a failure on the hub means for the person, by its kind. */
const HUB_TROUBLE: Record<HubErrorKind, string> = {
  unavailable: 'The Karpor hub is not answering right now; nothing was issued. Try again in a minute.',
  forbidden: 'The bot is not allowed to do this on the Karpor hub; its access there needs fixing. Please tell your Karpor administrators.',
  'not-found': 'Something the bot needs on the Karpor hub is missing. Please tell your Karpor administrators.',
  conflict: 'Someone changed the same thing on the Karpor hub at the same moment. Try again.',
  invalid: 'The Karpor hub refused the request. Please tell your Karpor administrators.',
};

/** Why the token did not reach the person. */
const UNDELIVERED: Record<DeliveryError['failed'], string> = {
  'open-dm': 'I could not open a DM with you, so nothing was issued. Make sure you can message the Karpor token app, then try again.',
  'post-token': 'I could not put the token in your DM with me, so I revoked it again. Open a DM with the Karpor token app (Apps → Karpor tokens) and try again.',
};

/** Why a new token was not handed out: the hub's answer to the dashboard's login check with it. */
function tokenRefused(status: number): string {
  const why =
    status === 401
      ? 'the Karpor hub did not recognise the new token'
      : status === 403
        ? 'the Karpor hub knows the new token but will not let it log in (its role lacks the login check)'
        : status === 0
          ? 'the Karpor hub did not answer when I checked the new token'
          : `the Karpor hub answered ${status} when I checked the new token`;
  return `I did not send you the token: ${why}, so it would not have worked in the dashboard. I removed the grant. Try again, and tell your Karpor administrators if it keeps happening.`;
}

export function mayRequest(roles: RolePolicy[]): string {
  if (roles.length === 0) return 'You may not request any Karpor role; ask your Karpor administrators to add you to a group that may.';
  const list = roles.map((r) => `\`${r.alias}\` (up to ${formatDuration(r.maxSeconds)}${r.approval ? ', needs approval' : ''})`);
  return `You may request: ${list.join(', ')}.`;
}

/** How a request ended, for the loser of a race and for the cards: `denied by @x at …`. */
export function outcome(req: AccessRequest): string {
  const by = req.decidedBy ? ` by ${mention(req.decidedBy)}` : '';
  const at = req.decidedAt ? ` (${slackDate(req.decidedAt)})` : '';
  switch (req.state) {
    case 'approved':
    case 'delivered':
    case 'failed':
      return `approved${by}${at}`;
    case 'pending':
      return 'pending';
    case 'expired':
      return `expired${at}`;
    default:
      return `${req.state}${by}${at}`;
  }
}

export function say(m: Message): string {
  switch (m.kind) {
    // What was typed
    case 'command-too-long':
      return `That command is ${m.length} characters long; the most is ${m.max}.`;
    case 'reason-needs-role':
      return `A reason needs a role before it. ${USAGE}`;
    case 'takes-nothing':
      return `\`${m.word}\` takes nothing after it. ${USAGE}`;
    case 'not-a-role':
      return `"${m.word}" is not a role name. ${USAGE}`;
    case 'unexpected-after-duration':
      return `Unexpected "${m.word}" after the duration. ${USAGE}`;
    case 'not-a-duration':
      return `"${m.word}" is not a duration. Use days, hours and minutes, like 30m, 8h, 1h30m or 2d.`;
    case 'zero-duration':
      return 'A duration must be longer than zero.';
    case 'empty-reason':
      return 'The reason after `--` is empty. Say why you need access, or leave out the `--`.';
    case 'reason-too-long':
      return `The reason is ${m.length} characters; the most is ${m.max}.`;
    case 'revoke-takes-no-reason':
      return '`revoke` takes no reason.';
    case 'revoke-takes-one-thing':
      return `\`revoke\` takes one thing: a grant id, \`all\`, or @person. ${USAGE}`;
    case 'not-a-grant-id':
      return `"${m.word}" is not a grant id (see \`/karpor-token status\`), \`all\` or @person.`;
    // The policy
    case 'no-such-role':
      return `There is no role "${m.role}". ${mayRequest(m.mine)}`;
    case 'not-allowed':
      return `You are not in a group that may request \`${m.role}\`. ${mayRequest(m.mine)}`;
    case 'too-short':
      return `${formatDuration(m.seconds)} is too short: the shortest token lasts ${formatDuration(MIN_SECONDS)}.`;
    case 'too-long':
      return `\`${m.role}\` can be had for at most ${formatDuration(m.maxSeconds)}; you asked for ${formatDuration(m.seconds)}.`;
    // An access request's steps
    case 'own-request':
      return m.step === 'approve' ? 'You cannot approve your own request.' : 'You cannot decide on your own request; use Cancel to withdraw it.';
    case 'not-an-approver':
      return `Only members of the approver groups of \`${m.role}\` can ${m.step} this request.`;
    case 'approved-already':
      return `You have already approved this request; it needs ${m.more} more approval(s).`;
    case 'not-the-requester':
      return 'Only the person who asked can cancel this request.';
    case 'request-expired':
      return `This request expired ${slackDate(m.expiresAt)} (${relative(m.expiresAt, m.now)}) without a decision.`;
    case 'request-decided':
      return `This request was already ${outcome(m.request)}.`;
    case 'not-in-state':
      return `The request is ${m.state}, not ${m.expected}.`;
    case 'not-expired-yet':
      return 'The request has not expired yet.';
    case 'no-such-request':
      return 'That request does not exist.';
    case 'role-gone':
      return `The role \`${m.role}\` is no longer in the policy.`;
    // Answers
    case 'issued':
      return `Your \`${m.role}\` token is in your DM with me.${m.expiresAt ? ` It expires ${slackDate(m.expiresAt)} (${relative(m.expiresAt, m.now)}).` : ''}`;
    case 'help':
      return [
        ...(m.hubAcceptsAnyToken ? [`:warning: ${RBAC_OFF}`] : []),
        '*Karpor tokens*: `/karpor-token <role> [duration]` sends you a time-limited token for the Karpor dashboard in a DM.',
        mayRequest(m.mine),
        USAGE,
      ].join('\n');
    case 'status': {
      const approvedBy = (ids?: string[]) => (ids?.length ? `, approved by ${ids.map(mention).join(', ')}` : '');
      const parts = [
        m.grants.length === 0
          ? 'You have no active Karpor grants.'
          : `Your active Karpor grants:\n${m.grants.map((g) => `• \`${g.id}\` ${g.role}, expires ${slackDate(g.expiresAt)} (${relative(g.expiresAt, m.now)})${approvedBy(g.approvedBy)}`).join('\n')}`,
      ];
      if (m.requests.length > 0) {
        parts.push(`Your requests waiting for approval:\n${m.requests.map((r) => `• \`${r.id}\` ${r.role} for ${formatDuration(r.seconds)}, open until ${slackDate(r.expiresAt)} (${relative(r.expiresAt, m.now)})`).join('\n')}`);
      }
      return parts.join('\n');
    }
    case 'unknown-grant':
      return `That grant does not exist any more, or it is not yours.${m.askAgain ? ' Ask with `/karpor-token <role>`.' : ''}`;
    case 'grant-expired':
      return 'That grant has expired. Ask for a new token with `/karpor-token`.';
    case 'revoked-by-policy':
      return `You may no longer have \`${m.role}\`, so I revoked that grant.`;
    case 'shown-again':
      return 'A fresh token for that grant is in your DM.';
    case 'revoking-others-refused':
      return "Only approvers and Karpor administrators can revoke other people's grants.";
    case 'revoked-all': {
      const whose = m.self ? 'your' : `${mention(m.owner)}'s`;
      const grants = m.count === 0 ? `There were no active grants of ${m.self ? 'yours' : whose} to revoke.` : `Revoked ${m.count} of ${whose} grants; their tokens stop working within 10 seconds.`;
      return m.requests > 0 ? `${grants} Also ended ${m.requests} of ${whose} open requests; none of them will be delivered.` : grants;
    }
    case 'no-grant-to-revoke':
      return `There is no grant \`${m.grantId}\` of yours. See \`/karpor-token status\`.`;
    case 'revoked':
      return `Revoked grant \`${m.grant.id}\` (${m.grant.role}); its tokens stop working within 10 seconds.`;
    case 'needs-reason':
      return `\`${m.role}\` needs a reason: \`/karpor-token ${m.role} ${formatDuration(m.seconds)} -- <why you need it>\`.`;
    case 'request-pending':
      return `Your request for \`${m.request.role}\` (${formatDuration(m.request.seconds)}) is waiting for approval until ${slackDate(m.request.expiresAt)}. The token will come to your DM with me.`;
    case 'too-many-open-requests':
      return `You already have ${m.open} request(s) waiting for approval; the most at once is ${m.max}. Cancel one, or wait for a decision (see \`/karpor-token status\`).`;
    case 'approval-recorded':
      return `Your approval is recorded; the request needs ${m.more} more.`;
    case 'approved':
      return `Approved. ${mention(m.requester)} gets the token now.`;
    case 'denied':
      return 'Denied; the requester has been told why.';
    case 'cancelled':
      return 'Your request is cancelled.';
    case 'form-expired':
      return 'That form is no longer valid; ask again with `/karpor-token <role> [duration]`.';
    case 'clicking-too-fast':
      return `That was a lot of clicks in a row, so I did nothing with this one. Wait ${m.waitSeconds} s, then click once.`;
    case 'role-mismatch':
      return `The hub's RBAC for \`${m.role}\` is not what this bot expects (${escapeMrkdwn(m.problem)}), so I issued nothing. Your Karpor administrators have been alerted. (ref ${m.ref})`;
    case 'failed':
      if (m.error instanceof HubError && !m.error.userMessage) return `${HUB_TROUBLE[m.error.kind]} (ref ${m.ref})`;
      if (m.error instanceof UserFacingError) return `${m.error.userMessage} (ref ${m.ref})`;
      if (m.error instanceof DeliveryError) return `${UNDELIVERED[m.error.failed]} (ref ${m.ref})`;
      if (m.error instanceof TokenRefusedError) return `${tokenRefused(m.error.status)} (ref ${m.ref})`;
      if (m.error instanceof DirectoryUnavailableError) return `I cannot check your Slack user groups right now, so I can give you nothing. Try again in a few minutes. (ref ${m.ref})`;
      return `Something went wrong on my side; nothing was issued. Try again, and tell your Karpor administrators if it keeps happening (ref ${m.ref}).`;
    case 'doctor':
      return doctorMessage(m.findings, m.now).text;
    case 'doctor-refused':
      return 'Only approvers and the people who may revoke grants can run the check-up (`/karpor-token doctor` or `selftest`).';
    // DMs about what others (or time) did
    case 'your-grants-revoked':
      return `${mention(m.by)} revoked your Karpor grants (${m.count})${m.requests > 0 ? ` and ended your open access requests (${m.requests})` : ''}.`;
    case 'your-grant-revoked':
      return `${mention(m.by)} revoked your \`${m.grant.role}\` Karpor grant \`${m.grant.id}\`.`;
    case 'your-grant-ended-by-membership':
      return `I revoked your \`${m.grant.role}\` Karpor grant \`${m.grant.id}\`: you are no longer in a Slack group that may have \`${m.grant.role}\`. Its tokens stop working within 10 seconds.`;
    case 'your-request-denied':
      return `${mention(m.by)} denied your request for \`${m.request.role}\` (${formatDuration(m.request.seconds)}): ${typed(m.reason)}`;
    case 'your-request-expired':
      return `Your request for \`${m.request.role}\` expired ${slackDate(m.request.expiresAt)} without a decision. Ask again if you still need it.`;
    case 'your-request-delivered':
      return `${mention(m.request.decidedBy ?? '')} approved your request for \`${m.request.role}\`; the token is in this DM (visible only to you).`;
    case 'your-request-failed':
      return `Your request for \`${m.request.role}\` was approved by ${mention(m.request.decidedBy ?? '')}, but I could not issue the token. Please ask again.`;
    default:
      return sayBreakGlass(m);
  }
}
