import type { Grant } from '../../domain/grant';
import { EN, type Words } from '../text/words';
import { ACTION } from './ids';
import type { SlackMessage } from './token';

/** The card approvers get for a break-glass grant: who, why, the deadline, and Confirm. */
export function breakGlassCard(grant: Grant, now: Date, w: Words = EN): SlackMessage {
  const words = w.cards.breakGlass;
  return {
    text: words.preview(grant),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: words.text(grant, now) } },
      {
        type: 'actions',
        block_id: `break_glass_${grant.id}`,
        elements: [{ type: 'button', action_id: ACTION.confirmBreakGlass, style: 'primary', text: { type: 'plain_text', text: words.confirm }, value: grant.id }],
      },
    ],
  };
}

/** The card once confirmed: no button left to press. */
export function confirmedBreakGlassCard(grant: Grant, by: string, w: Words = EN): SlackMessage {
  const text = w.cards.breakGlass.confirmed(grant, by);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
