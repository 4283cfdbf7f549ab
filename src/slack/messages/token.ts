import type { KnownBlock } from '@slack/types';
import { relative, type Grant } from '../../domain/grant';
import { slackDate } from '../text/markup';
import type { TokenDelivery } from '../../domain/ports';
import { ACTION } from './ids';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** The ephemeral DM that carries the token: what it is, until when, and how to use it. */
export function tokenMessage({ grant, token, tokenExpiresAt, dashboardUrl }: TokenDelivery, now: Date): SlackMessage {
  const where = dashboardUrl ? `<${dashboardUrl}|the Karpor dashboard>` : 'the Karpor dashboard';
  // The hub makes no token shorter than 10 minutes: near the end, the token alone outlasts the grant.
  const outlasts = tokenExpiresAt && tokenExpiresAt.getTime() > grant.expiresAt.getTime() + 60_000;
  const floor = outlasts
    ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: `:warning: The hub makes no token shorter than 10 minutes, so this one is signed until ${slackDate(tokenExpiresAt)}. It stops working within a minute of the grant's end at ${slackDate(grant.expiresAt)}, when I delete the grant; only if the bot is down then does it last until ${slackDate(tokenExpiresAt)}.` }] }]
    : [];
  return {
    // The notification preview: never the token itself.
    text: `Your Karpor ${grant.role} token, valid until ${slackDate(grant.expiresAt)}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*Your Karpor \`${grant.role}\` token* — valid until *${slackDate(grant.expiresAt)}* (${relative(grant.expiresAt, now)}).` },
      },
      { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${token}\`\`\`` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `Paste it into the login page of ${where}. This message is visible only to you and is not stored; use *Show token again* on the grant card below if you lose it. Grant \`${grant.id}\`.`,
          },
        ],
      },
      ...floor,
    ],
  };
}

/** The lasting DM card for a grant: no token, but the buttons to get one again or to revoke. No relative time: it would go stale. */
export function grantCard(grant: Grant): SlackMessage {
  const approved = grant.approvedBy?.length ? ` Approved by ${grant.approvedBy.map((u) => `<@${u}>`).join(', ')}.` : '';
  return {
    text: `Karpor grant ${grant.id}: ${grant.role} until ${slackDate(grant.expiresAt)}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `:key: Karpor grant \`${grant.id}\`: *${grant.role}* until ${slackDate(grant.expiresAt)}.${approved}` },
      },
      {
        type: 'actions',
        block_id: `grant_${grant.id}`,
        elements: [
          { type: 'button', action_id: ACTION.showAgain, text: { type: 'plain_text', text: 'Show token again' }, value: grant.id },
          {
            type: 'button',
            action_id: ACTION.revokeGrant,
            style: 'danger',
            text: { type: 'plain_text', text: 'Revoke now' },
            value: grant.id,
            confirm: {
              title: { type: 'plain_text', text: 'Revoke this grant?' },
              text: { type: 'plain_text', text: 'Every token of this grant stops working within 10 seconds.' },
              confirm: { type: 'plain_text', text: 'Revoke' },
              deny: { type: 'plain_text', text: 'Keep it' },
            },
          },
        ],
      },
    ],
  };
}

/** The card once its grant has ended, so nobody clicks dead buttons. */
export function endedGrantCard(grant: Pick<Grant, 'id' | 'role'>, why: string): SlackMessage {
  const text = `Karpor grant \`${grant.id}\` (${grant.role}) ${why}.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:lock: ${text}` } }] };
}

/** Shortly before the end: when (no relative time: the DM stays), and a button to ask for the same role again. */
export function expiryReminder(grant: Grant): SlackMessage {
  const text = `Your Karpor \`${grant.role}\` grant \`${grant.id}\` ends ${slackDate(grant.expiresAt)}.`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:hourglass: ${text}` } },
      { type: 'actions', elements: [{ type: 'button', action_id: ACTION.extend, text: { type: 'plain_text', text: 'Extend' }, value: grant.id }] },
    ],
  };
}
