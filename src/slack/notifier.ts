import type { WebClient } from '@slack/web-api';
import { DeliveryError } from '../domain/errors';
import type { Clock, Notifier, TokenDelivery } from '../domain/ports';
import type { AccessRequest } from '../domain/request';
import { expiryReminder, grantCard, tokenMessage, type SlackMessage } from './messages/token';
import type { Grant } from '../domain/grant';
import type { Notification } from '../domain/messages';
import type { BreakGlassMessage } from '../domain/break-glass';
import { breakGlassCard } from './messages/break-glass';
import type { DmChannels } from './dm-channels';
import type { PeopleWords } from './text/words';

/**
 * The Notifier port over the Slack Web API (with the DM channel known, a token costs two calls).
 * What goes to one person is in their language; break-glass cards, which everyone shares, in the policy's.
 */
export class SlackNotifier implements Notifier {
  constructor(
    private readonly client: WebClient,
    private readonly clock: Clock,
    private readonly dms: DmChannels,
    private readonly cards: ApprovalCards,
    private readonly words: PeopleWords,
    private readonly approvalsChannel?: string,
  ) {}

  async reachable(userId: string): Promise<void> {
    await this.dms.of(userId);
  }

  async deliverToken(delivery: TokenDelivery): Promise<void> {
    const userId = delivery.grant.userId;
    const [channel, w] = await Promise.all([this.dms.of(userId), this.words.of(userId)]);
    const now = this.clock.now();
    try {
      await this.client.chat.postEphemeral({ channel, user: userId, ...tokenMessage(delivery, now, w) });
    } catch (err) {
      throw new DeliveryError(`postEphemeral to ${userId} failed: ${slackError(err)}`, 'post-token');
    }
    // The card is a convenience; the token already reached the person.
    await this.client.chat.postMessage({ channel, ...grantCard(delivery.grant, w) }).catch(() => undefined);
  }

  /** The approvals channel (when there is one) and every confirmer's DM; one failed copy does not stop the others. */
  async announceBreakGlass(grant: Grant, confirmers: string[]): Promise<void> {
    const card = breakGlassCard(grant, this.clock.now(), this.words.shared);
    const targets = [...(this.approvalsChannel ? [Promise.resolve(this.approvalsChannel)] : []), ...confirmers.map((u) => this.dms.of(u))];
    const posted = await Promise.allSettled(targets.map(async (target) => this.client.chat.postMessage({ channel: await target, ...card })));
    if (posted.every((p) => p.status === 'rejected')) throw new Error('no break-glass card could be posted');
  }

  async tell(userId: string, message: Notification | BreakGlassMessage): Promise<void> {
    const w = await this.words.of(userId);
    await this.postToDm(userId, { text: w.say(message) });
  }

  async remindExpiry(grant: Grant): Promise<void> {
    const w = await this.words.of(grant.userId);
    await this.postToDm(grant.userId, expiryReminder(grant, w));
  }

  /** A lasting message in the person's DM with the bot. */
  async postToDm(userId: string, message: SlackMessage | { text: string }): Promise<void> {
    await this.client.chat.postMessage({ channel: await this.dms.of(userId), ...message });
  }

  postApprovalCards(request: AccessRequest, approvers: string[]): Promise<AccessRequest['cards']> {
    return this.cards.post(request, approvers);
  }

  updateApprovalCards(request: AccessRequest): Promise<void> {
    return this.cards.update(request);
  }
}

/** Posting and redrawing approval cards; see approval-cards.ts. */
export interface ApprovalCards {
  post(request: AccessRequest, approvers: string[]): Promise<AccessRequest['cards']>;
  update(request: AccessRequest): Promise<void>;
}

export function slackError(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number; message?: string };
  return [e.code, e.data?.error, e.statusCode, e.message].filter(Boolean).join(' ');
}
