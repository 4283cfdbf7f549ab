import type { RespondFn } from '@slack/bolt';
import type { Message } from '../domain/messages';
import type { Reply } from '../domain/ports';
import { pendingMessage } from './messages/approval';
import type { SlackMessage } from './messages/token';
import { doctorMessage } from './text/doctor';
import { EN, type Words } from './text/words';

/** A message as Slack shows it: words (text/), in the reader's language, with buttons where it offers them. */
export function render(message: Message, w: Words = EN): SlackMessage | { text: string } {
  if (message.kind === 'request-pending') return pendingMessage(message.request, w);
  if (message.kind === 'doctor') return doctorMessage(message.findings, message.now, w.doctor);
  return { text: w.say(message) };
}

/**
 * Answers in the channel where the person typed or clicked, visible only to them. When the
 * response URL fails (Slack down, URL expired), in their DM instead: an answer is never dropped.
 * `words`: the person's language, looked up while the work runs.
 */
export function ephemeralReply(respond: RespondFn, fallback?: Reply, words?: Promise<Words>): Reply {
  return async (message) => {
    const w = (await words) ?? EN;
    try {
      await respond({ response_type: 'ephemeral', replace_original: false, ...render(message, w) });
    } catch (err) {
      if (!fallback) throw err;
      await fallback(message);
    }
  };
}

/** Answers in the person's DM with the bot, for surfaces without a response URL (modals). */
export function dmReply(post: (userId: string, message: SlackMessage | { text: string }) => Promise<void>, userId: string, words?: Promise<Words>): Reply {
  return async (message) => post(userId, render(message, (await words) ?? EN));
}
