import type { WebClient } from '@slack/web-api';
import type { Clock } from '../domain/ports';
import type { AccessRequest } from '../domain/request';
import { approvalCard } from './messages/approval';
import type { ApprovalCards } from './notifier';
import type { Words } from './text/words';

/**
 * Approval cards in the approvals channel, or as DMs to each approver when there is none. Every
 * copy is redrawn as the request changes, so all are in one language: the policy's.
 */
export class SlackApprovalCards implements ApprovalCards {
  constructor(
    private readonly client: WebClient,
    private readonly clock: Clock,
    private readonly channel: string | undefined,
    private readonly dm: (userId: string) => Promise<string>,
    private readonly onError: (err: unknown, what: string) => void,
    private readonly words: Words,
  ) {}

  async post(request: AccessRequest, approvers: string[]): Promise<AccessRequest['cards']> {
    const message = approvalCard(request, this.clock.now(), this.words);
    const targets = this.channel ? [Promise.resolve(this.channel)] : approvers.map((u) => this.dm(u));
    const cards: AccessRequest['cards'] = [];
    for (const target of targets) {
      try {
        const channel = await target;
        const posted = await this.client.chat.postMessage({ channel, ...message });
        if (posted.channel && posted.ts) cards.push({ channel: posted.channel, ts: posted.ts });
      } catch (err) {
        this.onError(err, 'post approval card');
      }
    }
    if (cards.length === 0) throw new Error('no approval card could be posted');
    return cards;
  }

  async update(request: AccessRequest): Promise<void> {
    const message = approvalCard(request, this.clock.now(), this.words);
    await Promise.all(
      request.cards.map((card) => this.client.chat.update({ channel: card.channel, ts: card.ts, ...message }).catch((err) => this.onError(err, 'update approval card'))),
    );
  }
}
