import type { BreakGlassMessage } from '../../domain/break-glass';
import { formatDuration } from '../../domain/duration';
import type { Grant } from '../../domain/grant';
import { quoted, relative, slackDate } from './markup';

/** Every sentence about break-glass, in Slack's mrkdwn. */

const mention = (userId: string) => `<@${userId}>`;

export function sayBreakGlass(m: BreakGlassMessage): string {
  switch (m.kind) {
    case 'break-glass-needs-reason':
      return 'Break-glass needs a reason: `/karpor-token <role> [duration] --break-glass -- <what is on fire>`.';
    case 'no-break-glass':
      return `\`${m.role}\` has no break-glass; ask for it the usual way.`;
    case 'break-glass-not-allowed':
      return `You are not one of the people who may use break-glass for \`${m.role}\`.`;
    case 'break-glass-too-long':
      return `Break-glass gives \`${m.role}\` for at most ${formatDuration(m.maxSeconds)}; you asked for ${formatDuration(m.seconds)}.`;
    case 'break-glass-issued':
      return `:rotating_light: Break-glass: your \`${m.role}\` token is in your DM with me, until ${slackDate(m.expiresAt)}. The approvers have been told; unless one confirms it by ${slackDate(m.confirmBy)} (${relative(m.confirmBy, m.now)}), it is revoked.`;
    case 'break-glass-confirmed':
      return `Confirmed: ${mention(m.grant.userId)} keeps \`${m.grant.role}\` until ${slackDate(m.grant.expiresAt)}.`;
    case 'not-break-glass':
      return 'That grant was not a break-glass one.';
    case 'break-glass-already-confirmed':
      return `${mention(m.by)} confirmed it already.`;
    case 'own-break-glass':
      return 'You cannot confirm your own break-glass; another approver must.';
    case 'not-a-confirmer':
      return `Only the approvers of \`${m.role}\` can confirm this break-glass.`;
    case 'break-glass-gone':
      return 'That break-glass grant has ended or is being revoked; nothing to confirm.';
    case 'your-break-glass-confirmed':
      return `${mention(m.by)} confirmed your break-glass \`${m.grant.role}\` grant \`${m.grant.id}\`; it lasts until ${slackDate(m.grant.expiresAt)}.`;
    case 'your-break-glass-revoked':
      return `Nobody confirmed your break-glass \`${m.grant.role}\` grant \`${m.grant.id}\` in time, so I revoked it. Ask for the role the usual way.`;
  }
}

/** The approvers' card: who broke the glass, why, until when it needs a confirmation. */
export function breakGlassCardText(grant: Grant, now: Date): string {
  const reason = grant.reason ? quoted(grant.reason) : '';
  const confirmBy = grant.breakGlass?.confirmBy ?? now;
  return `:rotating_light: *Break-glass*: ${mention(grant.userId)} took *${grant.role}* without approval, until ${slackDate(grant.expiresAt)}.${reason}\nIt is revoked at ${slackDate(confirmBy)} unless an approver confirms it.`;
}

export function breakGlassConfirmedText(grant: Grant, by: string): string {
  return `:white_check_mark: *Break-glass* of ${mention(grant.userId)} for *${grant.role}* (grant \`${grant.id}\`) confirmed by ${mention(by)}; it lasts until ${slackDate(grant.expiresAt)}.`;
}

export const CONFIRM_BUTTON = 'Confirm';
