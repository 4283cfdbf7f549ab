import type { RespondFn } from '@slack/bolt';
import type { Message } from '../domain/messages';
import type { Reply } from '../domain/ports';
import { pendingMessage } from './messages/approval';
import type { SlackMessage } from './messages/token';
import { say } from './text/answers';
import { doctorMessage } from './text/doctor';

/** A message as Slack shows it: words (text.ts), with buttons where it offers them. */
export function render(message: Message): SlackMessage | { text: string } {
  if (message.kind === 'request-pending') return pendingMessage(message.request);
  if (message.kind === 'doctor') return doctorMessage(message.findings, message.now);
  return { text: say(message) };
}

/**
 * Answers in the channel where the person typed or clicked, visible only to them. When the
 * response URL fails (Slack down, URL expired), in their DM instead: an answer is never dropped.
 */
export function ephemeralReply(respond: RespondFn, fallback?: Reply): Reply {
  return async (message) => {
    try {
      await respond({ response_type: 'ephemeral', replace_original: false, ...render(message) });
    } catch (err) {
      if (!fallback) throw err;
      await fallback(message);
    }
  };
}

/** Answers in the person's DM with the bot, for surfaces without a response URL (modals). */
export function dmReply(post: (userId: string, message: SlackMessage | { text: string }) => Promise<void>, userId: string): Reply {
  return (message) => post(userId, render(message));
}
