import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPModuleFunctions, HTTPReceiver, isRawBodyError, type CustomRoute, type Logger } from '@slack/bolt';
import { rawPath, routeFor } from '../health';

/** Slack's own requests are a few KB (a modal submission with every block stays well under this). */
export const BODY_LIMIT = 1024 * 1024;
export const EVENTS_PATH = '/slack/events';
/** How far a request's timestamp may be from now, either way (Bolt checks only the past). */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;
/** A body over the limit is read and dropped up to this much before the connection is closed on it. */
const DRAIN_LIMIT = 8 * BODY_LIMIT;
/**
 * Bytes that all requests together may have announced and not yet been answered for (a body
 * without a length counts as the limit): past it, more get 503 at once, so slow clients cannot
 * make the bot hold more than this in buffers.
 */
export const BUFFERED_LIMIT = 16 * BODY_LIMIT;

/**
 * Bolt's HTTP receiver, acknowledging as Bolt does (the listener's `ack()` answers the request).
 * Only a POST to exactly `/slack/events` (as sent: no decoding, no `..` or `\` resolved, which
 * Bolt would do before matching) reaches Bolt, and only the exact paths of `routes` reach theirs;
 * anything else gets 404. In front of Bolt, for slash commands, clicks and forms:
 * - while more than BUFFERED_LIMIT bytes are being read across requests, 503;
 * - a timestamp dated more than 5 minutes ahead is refused (Bolt refuses only stale ones; a
 *   request signed ahead of time could otherwise outlive the replay window);
 * - the body is read (bounded) and its signature checked with Bolt's own function, and only then
 *   parsed: a signed body that is not an object (`payload=null`) gets 400, where Bolt 5.1 would
 *   throw outside any handler (an unhandled rejection) or leave the request unanswered.
 * Everything else is Bolt's own handling of the already-read body.
 */
export function createReceiver(opts: { signingSecret: string; routes: CustomRoute[]; logger: Logger }): HTTPReceiver {
  const { signingSecret, routes, logger } = opts;
  const receiver = new HTTPReceiver({ signingSecret, logger, bodyLimit: BODY_LIMIT });
  const bolt = receiver.requestListener;
  let buffered = 0;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || rawPath(req.url) !== EVENTS_PATH) {
      const route = routeFor(routes, req.url, req.method);
      return route ? route.handler(Object.assign(req, { params: {} }), res) : void res.writeHead(404).end();
    }
    const announced = Math.min(Number(req.headers['content-length'] ?? BODY_LIMIT) || 0, BODY_LIMIT);
    if (buffered + announced > BUFFERED_LIMIT) {
      logger.warn(`request refused: over ${BUFFERED_LIMIT} bytes being read already`);
      return void res.writeHead(503, { connection: 'close', 'retry-after': '1' }).end();
    }
    buffered += announced;
    let released = false;
    const release = () => void (released || ((released = true), (buffered -= announced)));
    res.once('finish', release);
    res.once('close', release);
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (timestamp > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) return void res.writeHead(401).end();
    void HTTPModuleFunctions.parseAndVerifyHTTPRequest({ signingSecret, bodyLimit: BODY_LIMIT }, req).then(
      (verified) => (isObjectBody(verified) ? bolt(verified, res) : void res.writeHead(400).end()),
      (err: unknown) => {
        if (!isRawBodyError(err)) return bolt(req, res); // read, but not signed: Bolt answers 401
        if ((err as { statusCode?: number }).statusCode !== 413) return void res.writeHead(400, { connection: 'close' }).end();
        logger.warn(`request body over ${BODY_LIMIT} bytes refused`);
        refuseWhenRead(req, res);
      },
    );
  };
  return receiver;
}

/** Whether a verified body parses to an object (malformed bodies are left to Bolt, which answers 400). */
function isObjectBody(verified: Parameters<typeof HTTPModuleFunctions.parseHTTPRequestBody>[0]): boolean {
  let parsed: unknown;
  try {
    parsed = HTTPModuleFunctions.parseHTTPRequestBody(verified);
  } catch {
    return true;
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
}

/**
 * Answers 413 once the body has arrived: refusing while the client is still sending would reset
 * the connection under the answer. Past a bound, the connection is closed on it.
 */
function refuseWhenRead(req: IncomingMessage, res: ServerResponse): void {
  let size = 0;
  const refuse = (close: boolean) => res.headersSent || res.writeHead(413, close ? { connection: 'close' } : {}).end();
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= DRAIN_LIMIT) return;
    req.pause();
    refuse(true);
  });
  req.on('end', () => refuse(false));
  req.resume();
}
