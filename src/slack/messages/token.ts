import type { KnownBlock } from '@slack/types';
import type { Grant } from '../../domain/grant';
import type { TokenDelivery } from '../../domain/ports';
import { EN, type Words } from '../text/words';
import { ACTION } from './ids';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** The ephemeral DM that carries the token: what it is, until when, and how to use it. */
export function tokenMessage({ grant, token, tokenExpiresAt, dashboardUrl }: TokenDelivery, now: Date, w: Words = EN): SlackMessage {
  const words = w.cards.token;
  const where = dashboardUrl ? `<${dashboardUrl}|${words.dashboard}>` : words.dashboard;
  // The hub makes no token shorter than 10 minutes: near the end, the token alone outlasts the grant.
  const outlasts = tokenExpiresAt && tokenExpiresAt.getTime() > grant.expiresAt.getTime() + 60_000;
  const floor = outlasts ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: words.outlasts(grant, tokenExpiresAt) }] }] : [];
  return {
    // The notification preview: never the token itself.
    text: words.preview(grant),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: words.heading(grant, now) } },
      { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${token}\`\`\`` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: words.howTo(where, grant) }] },
      ...floor,
    ],
  };
}

/** The lasting DM card for a grant: no token, but the buttons to get one again or to revoke. No relative time: it would go stale. */
export function grantCard(grant: Grant, w: Words = EN): SlackMessage {
  const words = w.cards.grant;
  return {
    text: words.preview(grant),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: words.text(grant) } },
      {
        type: 'actions',
        block_id: `grant_${grant.id}`,
        elements: [
          { type: 'button', action_id: ACTION.showAgain, text: { type: 'plain_text', text: words.showAgain }, value: grant.id },
          {
            type: 'button',
            action_id: ACTION.revokeGrant,
            style: 'danger',
            text: { type: 'plain_text', text: words.revoke },
            value: grant.id,
            confirm: {
              title: { type: 'plain_text', text: words.revokeConfirmTitle },
              text: { type: 'plain_text', text: words.revokeConfirmText },
              confirm: { type: 'plain_text', text: words.revokeConfirm },
              deny: { type: 'plain_text', text: words.revokeKeep },
            },
          },
        ],
      },
    ],
  };
}

/** The card once its grant was revoked, so nobody clicks dead buttons. */
export function revokedGrantCard(grant: Pick<Grant, 'id' | 'role'>, w: Words = EN): SlackMessage {
  const text = w.cards.grant.revoked(grant);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:lock: ${text}` } }] };
}

/** Shortly before the end: when (no relative time: the DM stays), and a button to ask for the same role again. */
export function expiryReminder(grant: Grant, w: Words = EN): SlackMessage {
  const text = w.cards.grant.reminder(grant);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:hourglass: ${text}` } },
      { type: 'actions', elements: [{ type: 'button', action_id: ACTION.extend, text: { type: 'plain_text', text: w.cards.grant.extend }, value: grant.id }] },
    ],
  };
}
