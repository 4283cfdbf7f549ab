import type { Readable } from 'node:stream';
import type * as k8s from '@kubernetes/client-node';
import { HubError } from '../domain/errors';
import { credentialExpiry } from './credential-expiry';
import { HubHttp, HubStatusError } from './http';
import { Kubeconfig } from './kubeconfig';
import { paths } from './paths';

/** Where the bot finds its credentials for the hub. */
export type HubSource =
  | { kind: 'kubeconfig'; path: string; context?: string }
  | { kind: 'in-cluster' }
  /** Karpor's `karpor-kubeconfig` ConfigMap on the host cluster, read with the pod's own identity. */
  | { kind: 'configmap'; namespace: string; name: string; key: string; server?: string }
  /** Loaded by the caller each time (the bot's own, self-renewing credential). */
  | { kind: 'provided'; load: () => Promise<Kubeconfig> };

/**
 * Everything the bot asks of the hub goes through here: one verb per kind of answer it expects,
 * each failure a HubError that says what was being done (and, for people, what to do). The
 * credentials are read again when the hub answers 401: a re-run of Karpor's cert job replaces the
 * CA and keys, and a mounted Secret may be rotated. `op` names the call in logs and metrics.
 */
export class HubClient {
  private current?: Promise<HubHttp>;

  constructor(
    private readonly source: HubSource,
    readonly timeoutMs: number,
    /** Told of every call: its operation, how long it took and how it ended. */
    private readonly observe: (op: string, seconds: number, outcome: string) => void = () => undefined,
  ) {}

  get<T>(op: string, path: string): Promise<T> {
    return this.send(op, (http) => http.get<T>(path));
  }

  /** Undefined when there is no such object. */
  getIfExists<T>(op: string, path: string): Promise<T | undefined> {
    return this.send(op, (http) => http.get<T>(path), 404);
  }

  create<T>(op: string, path: string, body: unknown): Promise<T> {
    return this.send(op, (http) => http.create<T>(path, body));
  }

  /** Undefined when an object of that name exists already (someone else made it first). */
  createUnlessExists<T>(op: string, path: string, body: unknown): Promise<T | undefined> {
    return this.send(op, (http) => http.create<T>(path, body), 409);
  }

  replace<T>(op: string, path: string, body: unknown): Promise<T> {
    return this.send(op, (http) => http.replace<T>(path, body));
  }

  /** Undefined when the object changed since `body`'s resourceVersion was read (compare-and-swap lost). */
  replaceUnlessChanged<T>(op: string, path: string, body: unknown): Promise<T | undefined> {
    return this.send(op, (http) => http.replace<T>(path, body), 409);
  }

  /** False when the object was already gone. */
  async deleteIfExists(op: string, path: string): Promise<boolean> {
    return (await this.send(op, (http) => http.delete(path), 404)) !== undefined;
  }

  /**
   * A GET with someone else's token, or with no credential at all (`null`): what the hub answers
   * them, any status; rejects only when no answer came.
   */
  async present(op: string, path: string, bearer: string | null): Promise<{ status: number; json?: unknown }> {
    const http = await this.loaded();
    const started = process.hrtime.bigint();
    let outcome = 'error';
    try {
      const answer = await http.present(path, bearer);
      outcome = String(answer.status);
      return answer;
    } catch (err) {
      outcome = err instanceof Error ? err.name : 'error';
      throw err;
    } finally {
      this.observe(op, Number(process.hrtime.bigint() - started) / 1e9, outcome);
    }
  }

  /** When the bot's credential stops working (see credentialExpiry); undefined when it cannot be read. */
  async credentialExpiresAt(): Promise<Date | null | undefined> {
    const loaded = await this.loaded().catch(() => undefined);
    const credential = await loaded?.credential().catch(() => undefined);
    return credential && credentialExpiry(credential);
  }

  /** A GET read as it comes (a watch): its status and body; no time limit but `signal`'s, no retry after a 401. */
  async stream(path: string, signal: AbortSignal): Promise<{ status: number; body: Readable }> {
    return (await this.loaded()).stream(path, signal);
  }

  /** Drops the credentials; the next call reads them again. */
  reload(): void {
    const stale = this.current;
    this.current = undefined;
    // The old connections close once the calls still on them have ended or timed out.
    void stale?.then((http) => setTimeout(() => http.close(), this.timeoutMs).unref(), () => undefined);
  }

  /** One call, again with fresh credentials after a 401; the hub's answer `absent` is undefined. */
  private async send<T>(op: string, fn: (http: HubHttp) => Promise<T>): Promise<T>;
  private async send<T>(op: string, fn: (http: HubHttp) => Promise<T>, absent: 404 | 409): Promise<T | undefined>;
  private async send<T>(op: string, fn: (http: HubHttp) => Promise<T>, absent?: 404 | 409): Promise<T | undefined> {
    try {
      try {
        return await this.timed(op, fn);
      } catch (err) {
        if (statusOf(err) !== 401) throw err;
        this.reload();
        return await this.timed(op, fn);
      }
    } catch (err) {
      if (absent !== undefined && statusOf(err) === absent) return undefined;
      throw hubError(err, op);
    }
  }

  private loaded(): Promise<HubHttp> {
    this.current ??= this.load().catch((err) => {
      this.current = undefined;
      throw err;
    });
    return this.current;
  }

  private async timed<T>(op: string, fn: (http: HubHttp) => Promise<T>): Promise<T> {
    const http = await this.loaded();
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      return await fn(http);
    } catch (err) {
      outcome = String(statusOf(err) ?? (err instanceof Error ? err.name : 'error'));
      throw err;
    } finally {
      this.observe(op, Number(process.hrtime.bigint() - started) / 1e9, outcome);
    }
  }

  private async load(): Promise<HubHttp> {
    const kubeconfig = await loadKubeconfig(this.source, this.timeoutMs);
    const server = kubeconfig.server;
    if (!server) throw new HubError('unavailable', 'hub kubeconfig has no current cluster', 'The bot is not configured to reach the Karpor hub.');
    return new HubHttp(kubeconfig, server, this.timeoutMs);
  }
}

async function loadKubeconfig(source: HubSource, timeoutMs: number): Promise<Kubeconfig> {
  switch (source.kind) {
    case 'kubeconfig':
      return Kubeconfig.fromFile(source.path, source.context);
    case 'in-cluster':
      return Kubeconfig.inCluster();
    case 'provided':
      return source.load();
    case 'configmap': {
      const host = Kubeconfig.inCluster();
      const reader = new HubHttp(host, host.server ?? '', timeoutMs);
      const cm = await reader.get<k8s.V1ConfigMap>(paths.configMap(source.namespace, source.name)).finally(() => reader.close());
      const text = cm.data?.[source.key];
      if (!text) throw new HubError('unavailable', `ConfigMap ${source.namespace}/${source.name} has no key ${source.key}`, 'The bot cannot find its credentials for the Karpor hub.');
      const kubeconfig = Kubeconfig.fromText(text);
      return source.server ? kubeconfig.withServer(source.server) : kubeconfig;
    }
  }
}

function statusOf(err: unknown): number | undefined {
  return err instanceof HubStatusError ? err.code : undefined;
}

/** The `reason`/`message` of a Kubernetes Status answer, for logs. */
function statusMessage(err: unknown): string {
  if (err instanceof HubStatusError) return `${err.code} ${err.status.reason ?? ''}: ${err.status.message ?? ''}`.trim();
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Maps a raw client error to a HubError a person can be told about. */
function hubError(err: unknown, what: string): HubError {
  if (err instanceof HubError) return err;
  const code = statusOf(err);
  const detail = `${what}: ${statusMessage(err)}`;
  if (code === undefined || code >= 500 || code === 429) return new HubError('unavailable', detail);
  if (code === 401 || code === 403) return new HubError('forbidden', detail);
  if (code === 404) return new HubError('not-found', detail);
  if (code === 409) return new HubError('conflict', detail);
  return new HubError('invalid', detail);
}
