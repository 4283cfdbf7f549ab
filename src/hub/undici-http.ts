import { randomBytes } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import type { RoleRule } from '../domain/karpor-defaults';
import { botLabels, KIND } from './labels';
import type { HubHttp } from './probes';

export interface HubHttpOptions {
  /** `https://host:port` of the hub. */
  server: string;
  /** The bot's own credential: a bearer token, or a client certificate and key (PEM). */
  token?: string;
  cert?: string;
  key?: string;
  /** PEM of the CA that signed the hub's serving certificate. */
  ca?: string;
  /** Karpor makes its serving certificate at start, so its kubeconfig skips verification. */
  skipTLSVerify?: boolean;
  timeoutMs?: number;
}

const seg = encodeURIComponent;

/**
 * HubHttp over undici. Requests as the bot use a pool that carries its client certificate, if
 * any; requests with someone else's token or none use a pool without it, so the hub sees only
 * what was meant to be presented.
 */
export function undiciHubHttp(opts: HubHttpOptions): HubHttp & { close(): Promise<void> } {
  const tls = { rejectUnauthorized: !opts.skipTLSVerify, ...(opts.ca && { ca: opts.ca }) };
  const asBot = new Agent({ connect: { ...tls, ...(opts.cert && opts.key && { cert: opts.cert, key: opts.key }) } });
  const bare = new Agent({ connect: tls });
  const timeoutMs = opts.timeoutMs ?? 10_000;

  async function call(method: Dispatcher.HttpMethod, path: string, bearer: string | null | undefined, body?: unknown): Promise<{ status: number; json?: unknown }> {
    const auth = bearer === undefined ? opts.token : bearer;
    const res = await request(new URL(path, opts.server), {
      method,
      dispatcher: bearer === undefined ? asBot : bare,
      headers: {
        accept: 'application/json',
        ...(auth && { authorization: `Bearer ${auth}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const type = String(res.headers['content-type'] ?? '');
    if (!type.includes('json')) {
      await res.body.dump();
      return { status: res.statusCode };
    }
    return { status: res.statusCode, json: await res.body.json().catch(() => undefined) };
  }

  async function asBotOk<T>(what: string, method: Dispatcher.HttpMethod, path: string, body?: unknown, alsoOk: number[] = []): Promise<T | undefined> {
    const { status, json } = await call(method, path, undefined, body);
    if (status >= 200 && status < 300) return json as T;
    if (alsoOk.includes(status)) return undefined;
    throw new Error(`${what}: the hub answered ${status}`);
  }

  return {
    get: (path, o) => call('GET', path, o?.bearer),

    // The token is bound to a Secret made for it and deleted right after, so it dies at once.
    async tokenRequest(namespace, serviceAccount, seconds) {
      const secrets = `/api/v1/namespaces/${seg(namespace)}/secrets`;
      const name = `karpor-token-probe-${randomBytes(5).toString('hex')}`;
      const secret = await asBotOk<{ metadata?: { uid?: string } }>('create probe secret', 'POST', secrets, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, labels: botLabels({ [KIND]: 'probe' }) },
      });
      try {
        const answer = await asBotOk<{ status?: { expirationTimestamp?: string } }>(
          'token request',
          'POST',
          `/api/v1/namespaces/${seg(namespace)}/serviceaccounts/${seg(serviceAccount)}/token`,
          {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: { audiences: [], expirationSeconds: seconds, boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name, uid: secret?.metadata?.uid } },
          },
        );
        const expiry = answer?.status?.expirationTimestamp;
        if (!expiry) throw new Error('token request: the hub answered without an expiry');
        return { expirationTimestamp: new Date(expiry) };
      } finally {
        await asBotOk('delete probe secret', 'DELETE', `${secrets}/${seg(name)}`, undefined, [404]);
      }
    },

    async clusterRole(name) {
      const role = await asBotOk<{ rules?: RoleRule[] }>('read clusterrole', 'GET', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${seg(name)}`, undefined, [404]);
      return role && (role.rules ?? []).map((r) => ({ ...r, verbs: r.verbs ?? [] }));
    },

    async close() {
      await Promise.all([asBot.close(), bare.close()]);
    },
  };
}
