import type { WebClient } from '@slack/web-api';
import { DeliveryError } from '../domain/errors';
import { slackError } from './notifier';

/** Each person's DM channel with the bot. The ID never changes for a person, so it is remembered. */
export class DmChannels {
  private readonly known = new Map<string, string>();

  constructor(private readonly client: WebClient) {}

  async of(userId: string): Promise<string> {
    const known = this.known.get(userId);
    if (known) return known;
    try {
      const answer = await this.client.conversations.open({ users: userId });
      const id = answer.channel?.id;
      if (!id) throw new Error('conversations.open gave no channel');
      this.known.set(userId, id);
      return id;
    } catch (err) {
      throw new DeliveryError(`conversations.open for ${userId} failed: ${slackError(err)}`, 'open-dm');
    }
  }
}
