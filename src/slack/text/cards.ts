import { formatDuration } from '../../domain/duration';
import type { Grant } from '../../domain/grant';
import type { AccessRequest } from '../../domain/request';
import { outcome } from './answers';
import { breakGlassCardText, breakGlassConfirmedText, CONFIRM_BUTTON } from './break-glass';
import { relative, slackDate, typed } from './markup';

/** The words on cards, buttons and forms (Block Kit in src/slack/messages/). */

const mention = (userId: string) => `<@${userId}>`;

function decided(req: AccessRequest): string {
  switch (req.state) {
    case 'delivered':
      return `*Approved* by <@${req.decidedBy}> (${slackDate(req.decidedAt!)}); the token expires ${slackDate(req.tokenExpiresAt!)}.`;
    case 'denied':
      return `*Denied* by <@${req.decidedBy}> (${slackDate(req.decidedAt!)}): ${typed(req.denyReason ?? '')}`;
    case 'failed':
      return `*Approved* by <@${req.decidedBy}>, but the token could not be issued.`;
    default:
      return `*${outcome(req)}*.`;
  }
}

export const CARDS = {
  approval: {
    asks: (req: AccessRequest) => `<@${req.requester}> asks for *${req.role}* for *${formatDuration(req.seconds)}*.`,
    open: (req: AccessRequest) => {
      const count = req.approvals.length ? ` Approved so far by ${req.approvals.map((a) => `<@${a.userId}>`).join(', ')}.` : '';
      return `Request \`${req.id}\`, open until ${slackDate(req.expiresAt)}.${count}`;
    },
    decided: (req: AccessRequest) => `Request \`${req.id}\`: ${decided(req)}`,
    preview: (req: AccessRequest) => `Karpor access request ${req.id}: ${req.role} for ${formatDuration(req.seconds)} (${req.state})`,
    approve: 'Approve',
    deny: 'Deny',
    cancel: 'Cancel request',
  },
  reasonForm: {
    title: 'Karpor access',
    submit: 'Ask for approval',
    close: 'Cancel',
    needsApproval: (role: string, seconds: number) => `*${role}* for *${formatDuration(seconds)}* needs approval.`,
    label: 'Why do you need it?',
    empty: 'Say why you need access.',
  },
  denyForm: {
    title: 'Deny request',
    submit: 'Deny',
    close: 'Back',
    label: 'Reason (sent to the requester)',
    empty: 'Tell the requester why.',
  },
  token: {
    preview: (grant: Grant) => `Your Karpor ${grant.role} token, valid until ${slackDate(grant.expiresAt)}`,
    heading: (grant: Grant, now: Date) => `*Your Karpor \`${grant.role}\` token* — valid until *${slackDate(grant.expiresAt)}* (${relative(grant.expiresAt, now)}).`,
    dashboard: 'the Karpor dashboard',
    howTo: (where: string, grant: Grant) =>
      `Paste it into the login page of ${where}. This message is visible only to you and is not stored; use *Show token again* on the grant card below if you lose it. Grant \`${grant.id}\`.`,
    outlasts: (grant: Grant, tokenExpiresAt: Date) =>
      `:warning: The hub makes no token shorter than 10 minutes, so this one is signed until ${slackDate(tokenExpiresAt)}. It stops working within a minute of the grant's end at ${slackDate(grant.expiresAt)}, when I delete the grant; only if the bot is down then does it last until ${slackDate(tokenExpiresAt)}.`,
  },
  grant: {
    preview: (grant: Grant) => `Karpor grant ${grant.id}: ${grant.role} until ${slackDate(grant.expiresAt)}`,
    text: (grant: Grant) => {
      const approved = grant.approvedBy?.length ? ` Approved by ${grant.approvedBy.map(mention).join(', ')}.` : '';
      return `:key: Karpor grant \`${grant.id}\`: *${grant.role}* until ${slackDate(grant.expiresAt)}.${approved}`;
    },
    showAgain: 'Show token again',
    revoke: 'Revoke now',
    revokeConfirmTitle: 'Revoke this grant?',
    revokeConfirmText: 'Every token of this grant stops working within 10 seconds.',
    revokeConfirm: 'Revoke',
    revokeKeep: 'Keep it',
    revoked: (grant: Pick<Grant, 'id' | 'role'>) => `Karpor grant \`${grant.id}\` (${grant.role}) was revoked.`,
    reminder: (grant: Grant) => `Your Karpor \`${grant.role}\` grant \`${grant.id}\` ends ${slackDate(grant.expiresAt)}.`,
    extend: 'Extend',
  },
  breakGlass: {
    preview: (grant: Grant) => `Break-glass: ${grant.role} for <@${grant.userId}>, to be confirmed`,
    text: breakGlassCardText,
    confirmed: breakGlassConfirmedText,
    confirm: CONFIRM_BUTTON,
  },
};

export type CardWords = typeof CARDS;
