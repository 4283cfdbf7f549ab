import type { RespondFn } from '@slack/bolt';
import type { Notice, Reply } from '../domain/ports';
import { pendingMessage } from './messages/approval';
import type { SlackMessage } from './messages/token';

export function render(message: string | Notice): SlackMessage | { text: string } {
  if (typeof message === 'string') return { text: message };
  return pendingMessage(message.request);
}

/** Answers in the channel where the person typed or clicked, visible only to them. */
export function ephemeralReply(respond: RespondFn): Reply {
  return async (message) => {
    await respond({ response_type: 'ephemeral', replace_original: false, ...render(message) });
  };
}

/** Answers in the person's DM with the bot, for surfaces without a response URL (modals). */
export function dmReply(post: (userId: string, message: SlackMessage | { text: string }) => Promise<void>, userId: string): Reply {
  return (message) => post(userId, render(message));
}
