import type { WebClient } from '@slack/web-api';
import type { AuditEvent } from '../domain/ports';
import { scrub } from '../log';
import type { Words } from './text/words';

/**
 * The policy's audit channel: a line per grant and request event, posted in the background and in
 * order, so that nobody's answer waits for it; a failure is logged, never thrown.
 */
export class SlackAuditChannel {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: WebClient,
    private readonly channel: string,
    private readonly onError: (err: unknown, event: string) => void,
    /** The policy's language: the channel is shared. */
    private readonly words: Words,
  ) {}

  post(event: AuditEvent): void {
    const line = this.words.auditLine(event);
    if (!line) return;
    // Audit events carry no token; scrubbing anything shaped like one is a second lock.
    const text = scrub(line);
    this.queue = this.queue
      .then(() => this.client.chat.postMessage({ channel: this.channel, text, unfurl_links: false, unfurl_media: false }))
      .then(
        () => undefined,
        (err) => this.onError(err, event.event),
      );
  }

  /** Resolves once every line so far has been posted (or failed). */
  flushed(): Promise<void> {
    return this.queue;
  }
}
