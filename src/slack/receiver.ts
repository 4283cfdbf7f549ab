import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPModuleFunctions, HTTPReceiver, isRawBodyError, type CustomRoute, type Logger } from '@slack/bolt';

/** Slack's own requests are a few KB (a modal submission with every block stays well under this). */
export const BODY_LIMIT = 1024 * 1024;
export const EVENTS_PATH = '/slack/events';
/** How far a request's timestamp may be from now, either way (Bolt checks only the past). */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/**
 * Bolt's HTTP receiver with the body read (and bounded) first. Bolt 5.1 throws outside any
 * handler when a signed body parses to `null` (`payload=null`): the request would never be
 * answered and the rejection would end the process; other non-objects are left unanswered for
 * 3 s. Such bodies get 400 here instead; everything else, signature checks included, is Bolt's
 * own handling of the already-read body.
 */
export function createReceiver(opts: { signingSecret: string; customRoutes: CustomRoute[]; logger: Logger }): HTTPReceiver {
  const receiver = new HTTPReceiver({ ...opts, bodyLimit: BODY_LIMIT });
  const bolt = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://localhost').pathname !== EVENTS_PATH) return bolt(req, res);
    // Bolt refuses timestamps older than 5 minutes but not ones from the future, which a
    // captured request signed ahead of time could use to outlive the replay window.
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    if (timestamp > Date.now() / 1000 + MAX_CLOCK_SKEW_SECONDS) return void res.writeHead(401).end();
    void HTTPModuleFunctions.bufferIncomingMessage(req, BODY_LIMIT).then(
      (buffered) => {
        let parsed: unknown;
        try {
          parsed = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
        } catch {
          // Malformed: Bolt answers it (401 when unsigned, else 400).
          return bolt(buffered, res);
        }
        // Slack only ever sends an object; anything else would not even be answered by Bolt.
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return void res.writeHead(400).end();
        bolt(buffered, res);
      },
      (err: unknown) => {
        const tooLarge = isRawBodyError(err) && (err as { statusCode?: number }).statusCode === 413;
        if (tooLarge) opts.logger.warn(`request body over ${BODY_LIMIT} bytes refused`);
        res.writeHead(tooLarge ? 413 : 400, { connection: 'close' }).end();
      },
    );
  };
  return receiver;
}
