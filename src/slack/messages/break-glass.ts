import type { Grant } from '../../domain/grant';
import { breakGlassCardText, breakGlassConfirmedText, CONFIRM_BUTTON } from '../text/break-glass';
import { ACTION } from './ids';
import type { SlackMessage } from './token';

/** The card approvers get for a break-glass grant: who, why, the deadline, and Confirm. */
export function breakGlassCard(grant: Grant, now: Date): SlackMessage {
  return {
    text: `Break-glass: ${grant.role} for <@${grant.userId}>, to be confirmed`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: breakGlassCardText(grant, now) } },
      {
        type: 'actions',
        block_id: `break_glass_${grant.id}`,
        elements: [{ type: 'button', action_id: ACTION.confirmBreakGlass, style: 'primary', text: { type: 'plain_text', text: CONFIRM_BUTTON }, value: grant.id }],
      },
    ],
  };
}

/** The card once confirmed: no button left to press. */
export function confirmedBreakGlassCard(grant: Grant, by: string): SlackMessage {
  const text = breakGlassConfirmedText(grant, by);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
