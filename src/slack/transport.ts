import http from 'node:http';
import https from 'node:https';
import type { SocketModeReceiverOptions } from '@slack/bolt';
import { httpCall } from '../net/http-call';

/** How the bot's Slack clients reach Slack: the Web API and `response_url` calls, and the Socket Mode WebSocket. */
export interface SlackTransport {
  fetch: typeof fetch;
  dispatcher?: SocketModeReceiverOptions['dispatcher'];
}

/**
 * The `fetch` the Web API client and Bolt's `respond` call Slack with (both take one as an option),
 * on node:http's keep-alive pools. The global fetch builds WHATWG streams, signals and a Response
 * for every call, which was a fifth of the bot's CPU per token; this builds none of them. What
 * the callers read of an answer (status, headers, text or JSON) is all it returns. Bodies other
 * than text (file uploads, which the bot does not make) go to the global fetch. Every call ends
 * after `timeoutMs`, also one without a signal of its own (Bolt's `respond` passes none).
 */
export function slackTransport(): SlackTransport {
  return { fetch: slackFetch() };
}

export function slackFetch(opts: { maxSockets?: number; timeoutMs?: number } = {}): typeof fetch {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const agents = {
    'https:': new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 100 }),
    'http:': new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 100 }),
  };
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const body = init.body ?? undefined;
    if (input instanceof Request || (body !== undefined && typeof body !== 'string')) return fetch(input, init);
    const url = new URL(String(input));
    const agent = agents[url.protocol as keyof typeof agents];
    if (!agent) throw new TypeError(`fetch: ${url.protocol} URLs are not supported`);
    const answer = await httpCall(url, {
      method: init.method ?? 'GET',
      headers: plainHeaders(init.headers),
      ...(body !== undefined && { body }),
      agent,
      timeoutMs,
      ...(init.signal && { signal: init.signal }),
    });
    if (answer.status >= 300 && answer.status < 400 && init.redirect === 'error') {
      throw new TypeError(`fetch: redirected to ${answer.headers.location ?? '(nowhere)'}`);
    }
    return new PlainResponse(url.href, answer.status, answer.statusText, new PlainHeaders(answer.headers), answer.body) as unknown as Response;
  }) as typeof fetch;
}

function plainHeaders(init: RequestInit['headers']): Record<string, string> {
  if (!init || init instanceof Headers || Array.isArray(init)) return Object.fromEntries(new Headers(init).entries());
  return { ...(init as Record<string, string>) };
}

/** The parts of a fetch Response the Slack clients read. */
class PlainResponse {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: PlainHeaders,
    private readonly body: Buffer,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  async text(): Promise<string> {
    return this.body.toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.body.toString('utf8'));
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.byteLength) as ArrayBuffer;
  }
}

/** Read-only answer headers with the fetch Headers methods the Slack clients call. */
class PlainHeaders {
  constructor(private readonly raw: http.IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : String(value);
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) yield [name, this.get(name)!];
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const [name, value] of this.entries()) fn(value, name);
  }
}
