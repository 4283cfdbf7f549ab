import type https from 'node:https';
import tls from 'node:tls';
import type { Readable } from 'node:stream';
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';

/** What sets a call's trust and credentials: the bot's Kubeconfig, or client-node's KubeConfig (same method). */
export interface CallCredentials {
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** The hub's own answer to a failed call: its HTTP status and the Kubernetes Status it sent (HubClient turns it into a HubError). */
export class HubStatusError extends Error {
  constructor(
    readonly code: number,
    readonly status: { reason?: string; message?: string },
  ) {
    super(`HTTP ${code} ${status.reason ?? ''}: ${status.message ?? ''}`.trim());
    this.name = 'HubStatusError';
  }
}

/** A call that did not end in time. */
export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * The hub's HTTP: the few REST calls the bot makes, as plain JSON, and its watches, over one undici
 * keep-alive pool (through the proxy in `HTTPS_PROXY` unless the hub is in `NO_PROXY`). The
 * credentials are applied by the kubeconfig (`applyToHTTPSOptions`). client-node's generated
 * clients with their node-fetch pipeline were a third of the bot's CPU per token, and they make a
 * new agent, so a new TLS handshake, for every call.
 */
export class HubHttp {
  private credentials?: Promise<Credentials>;
  private credentialsAt = 0;

  constructor(
    private readonly kc: CallCredentials,
    private readonly server: string,
    private readonly timeoutMs: number,
    private readonly maxSockets = 64,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  create<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  replace<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete<T = unknown>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /**
   * A GET that shows the hub someone else's credential instead of the bot's: `bearer` a token, or
   * `null` for none at all (over a pool without the bot's client certificate, so the hub sees
   * only what is meant). Any status resolves; only no answer rejects.
   */
  async present(path: string, bearer: string | null): Promise<{ status: number; json?: unknown }> {
    const { tls: material, bare: holder } = await this.current();
    // Made on first use: most processes never present a foreign token.
    holder.pool ??= bareAgent(material);
    const bare = holder.pool;
    const headers: Record<string, string> = { accept: 'application/json', ...(bearer !== null && { authorization: `Bearer ${bearer}` }) };
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new TimeoutError(this.timeoutMs)), this.timeoutMs);
    try {
      const answer = await request(new URL(path, this.server), { method: 'GET', headers, dispatcher: bare, signal: abort.signal });
      const text = await answer.body.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: answer.statusCode, ...(json !== undefined && { json }) };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A GET whose answer is read as it comes (a watch): its head must come within the time limit,
   * its body has none but `signal`'s (the caller knows how long it may stay quiet). Not repeated
   * on a reset: the caller starts over.
   */
  async stream(path: string, signal: AbortSignal): Promise<{ status: number; body: Readable }> {
    const { headers: auth, pool } = await this.current();
    const answer = await request(new URL(path, this.server), { method: 'GET', headers: { ...auth, accept: 'application/json' }, dispatcher: pool, signal, headersTimeout: this.timeoutMs, bodyTimeout: 0 });
    return { status: answer.statusCode, body: answer.body };
  }

  /** The bot's own credential as it is presented now: its bearer token and client certificate, if any. */
  async credential(): Promise<{ token?: string; cert?: string }> {
    const { headers, tls: material } = await this.current();
    const auth = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
    const bearer = /^Bearer (.+)$/i.exec(auth ?? '')?.[1];
    const cert = material.cert === undefined ? undefined : Array.isArray(material.cert) ? material.cert.map(String).join('\n') : String(material.cert);
    return { ...(bearer && { token: bearer }), ...(cert && { cert }) };
  }

  close(): void {
    void this.credentials?.then((c) => Promise.all([c.pool.destroy(), c.bare.pool?.destroy()]), () => undefined);
  }

  private async request<T>(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<T> {
    const { headers: auth, dispatcher } = await this.current();
    const headers: Record<string, string> = { ...auth, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // A plain timer, cleared when the call ends: a timeout signal would keep the call's objects
    // alive for the whole time limit.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new TimeoutError(this.timeoutMs)), this.timeoutMs);
    let status: number;
    let text: string;
    try {
      const answer = await request(new URL(path, this.server), {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        dispatcher,
        signal: abort.signal,
      });
      status = answer.statusCode;
      text = await answer.body.text();
    } finally {
      clearTimeout(timer);
    }
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    const ok = status >= 200 && status < 300;
    if (ok && parsed !== undefined) return parsed as T;
    throw new HubStatusError(ok ? 502 : status, (parsed ?? { reason: 'answer is not JSON' }) as { reason?: string; message?: string });
  }

  /**
   * The credentials as the kubeconfig applies them, kept for a minute (a mounted token file is
   * read again as often). A 401 makes the connection start over with a new client, so a rotated
   * certificate or token is picked up at once.
   */
  private current(): Promise<Credentials> {
    const now = Date.now();
    if (!this.credentials || now - this.credentialsAt > CREDENTIALS_TTL_MS) {
      const previous = this.credentials;
      this.credentialsAt = now;
      this.credentials = this.apply(previous).catch((err) => {
        this.credentials = undefined;
        throw err;
      });
    }
    return this.credentials;
  }

  private async apply(previous?: Promise<Credentials>): Promise<Credentials> {
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const headers = { ...(opts.headers as Record<string, string> | undefined) };
    if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    const material = { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
    const before = await previous?.catch(() => undefined);
    if (before && sameTls(before.tls, material)) return { ...before, headers };
    // Calls still on the old connections may finish first.
    if (before) setTimeout(() => void Promise.all([before.pool.destroy(), before.bare.pool?.destroy()]), this.timeoutMs).unref();
    // One TLS context for all of the pool's connections: otherwise each new connection parses the
    // CA and key again (a burst opens a connection per concurrent call).
    const secureContext = tls.createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key });
    const connect = { ...withoutUndefined(material), secureContext };
    const pool = new EnvHttpProxyAgent({ connect, requestTls: connect, connections: this.maxSockets });
    // A kept-alive connection the hub closed just as it was reused fails before anything was
    // answered: a call that may be repeated is sent once more on a fresh connection. A create
    // (POST) is not: it may have been done.
    const dispatcher = pool.compose(interceptors.retry({ maxRetries: 1, minTimeout: 0, methods: ['GET', 'PUT', 'DELETE'], statusCodes: [], errorCodes: ['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'] }));
    return { headers, tls: material, pool, dispatcher, bare: {} };
  }
}

const CREDENTIALS_TTL_MS = 60_000;

type Tls = Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;

interface Credentials {
  headers: Record<string, string>;
  tls: Tls;
  /** One keep-alive pool for as long as the TLS material stays the same. */
  pool: Dispatcher;
  dispatcher: Dispatcher;
  /** Connections that carry no credential of the bot's, for `present`. */
  bare: { pool?: Dispatcher };
}

/** A pool that trusts the hub as the bot does but presents no client certificate. */
function bareAgent(material: Tls): Dispatcher {
  const { cert: _cert, key: _key, ...serverOnly } = withoutUndefined(material);
  const connect = { ...serverOnly, secureContext: tls.createSecureContext({ ca: material.ca }) };
  return new EnvHttpProxyAgent({ connect, requestTls: connect, connections: 4 });
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sameTls(a: Tls, b: Tls): boolean {
  const same = (x: unknown, y: unknown) => (Buffer.isBuffer(x) && Buffer.isBuffer(y) ? x.equals(y) : x === y);
  return same(a.ca, b.ca) && same(a.cert, b.cert) && same(a.key, b.key) && a.rejectUnauthorized === b.rejectUnauthorized && a.servername === b.servername;
}
