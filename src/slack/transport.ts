import type { SocketModeReceiverOptions } from '@slack/bolt';
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';

/** How the bot's Slack clients reach Slack: the Web API and `response_url` calls, and the Socket Mode WebSocket. */
export interface SlackTransport {
  fetch: typeof fetch;
  dispatcher: NonNullable<SocketModeReceiverOptions['dispatcher']>;
}

/**
 * undici's keep-alive pools, through the proxy that `HTTPS_PROXY`/`HTTP_PROXY` name (except for the
 * hosts in `NO_PROXY`): a cluster whose egress goes through a proxy reaches Slack. Every call
 * ends after `timeoutMs` without an answer, also one without a signal of its own (Bolt's
 * `respond` passes none).
 */
export function slackTransport(opts: { connections?: number; timeoutMs?: number } = {}): SlackTransport {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const dispatcher = new EnvHttpProxyAgent({ connections: opts.connections ?? 100, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  // undici's fetch is Node's own fetch at a version the bot chooses; its types are undici's own.
  const viaPool = (input: string | URL, init: object = {}) => undiciFetch(input, { ...init, dispatcher });
  return { fetch: viaPool as unknown as typeof fetch, dispatcher };
}
