import { createHash } from 'node:crypto';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';

/**
 * How long a delivery is remembered. Bolt accepts a signed request for 5 minutes after its
 * timestamp, so an exact replay (or Slack's retry of a slow ack) can only come within that window.
 */
const REMEMBER_MS = 10 * 60_000;
/** Only signed requests get here, but the memory must not grow without bound either way. */
const MAX_REMEMBERED = 100_000;

/**
 * What identifies one delivery from Slack: the event id of an event, or the trigger id (with the
 * action's timestamp) of a command, click or form submission. Each is new for every real
 * invocation and the same in a replay or a retry.
 */
export function deliveryKey(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { event_id?: unknown; trigger_id?: unknown; type?: unknown; command?: unknown; actions?: unknown };
  if (typeof b.event_id === 'string' && b.event_id) return `event:${b.event_id}`;
  if (typeof b.trigger_id !== 'string' || !b.trigger_id) return undefined;
  const first = Array.isArray(b.actions) ? (b.actions[0] as { action_ts?: unknown } | undefined) : undefined;
  const actionTs = typeof first?.action_ts === 'string' ? first.action_ts : '';
  return `${String(b.type ?? b.command ?? '')}:${b.trigger_id}:${actionTs}`;
}

/**
 * A global middleware that acknowledges a second delivery of the same request and drops it, so a
 * replayed or retried command issues no second token and a click is not applied twice. (Per
 * process: replicas each remember what they saw; the approval flow's compare-and-swap covers a
 * click replayed to another replica.)
 */
export function replayGuard(opts: { now?: () => number; onDuplicate?: (info: { type: string; retryNum?: number }) => void } = {}): Middleware<AnyMiddlewareArgs> {
  const now = opts.now ?? Date.now;
  const seen = new Map<string, number>();
  return async (args) => {
    const delivery = deliveryKey(args.body);
    if (delivery === undefined) return args.next();
    // Remembered as a digest: the ids in the key are slices of the request's body, and the key
    // itself would keep each whole body alive for as long as it is remembered.
    const key = createHash('sha256').update(delivery).digest('base64url');
    const at = now();
    // Insertion order is arrival order: the oldest entries are at the front.
    for (const [k, until] of seen) {
      if (until > at && seen.size < MAX_REMEMBERED) break;
      seen.delete(k);
    }
    if (seen.has(key)) {
      const ack = (args as { ack?: () => Promise<void> }).ack;
      if (ack) await ack();
      opts.onDuplicate?.({ type: delivery.split(':')[0] ?? '', ...(args.context.retryNum !== undefined && { retryNum: args.context.retryNum }) });
      return;
    }
    seen.set(key, at + REMEMBER_MS);
    return args.next();
  };
}
