import * as k8s from '@kubernetes/client-node';
import { HubError } from '../domain/errors';
import { HubApiError, HubRest, paths } from './rest';

/** Where the bot finds its credentials for the hub. */
export type HubSource =
  | { kind: 'kubeconfig'; path: string; context?: string }
  | { kind: 'in-cluster' }
  /** Karpor's `karpor-kubeconfig` ConfigMap on the host cluster, read with the pod's own identity. */
  | { kind: 'configmap'; namespace: string; name: string; key: string; server?: string }
  /** Loaded by the caller each time (the bot's own, self-renewing credential). */
  | { kind: 'provided'; load: () => Promise<k8s.KubeConfig> };

export interface HubApis {
  api: HubRest;
  /** The same credentials, for client-node's own clients (watches). */
  kubeConfig: k8s.KubeConfig;
}

/**
 * The bot's connection to the hub. The credentials are read again when the hub answers 401:
 * a re-run of Karpor's cert job replaces the CA and keys, and a mounted Secret may be rotated.
 */
export class HubConnection {
  private current?: Promise<HubApis>;

  constructor(
    private readonly source: HubSource,
    readonly timeoutMs: number,
    /** Told of every call: its operation, how long it took and how it ended. */
    private readonly observe: (op: string, seconds: number, outcome: string) => void = () => undefined,
  ) {}

  private apis(): Promise<HubApis> {
    this.current ??= this.load().catch((err) => {
      this.current = undefined;
      throw err;
    });
    return this.current;
  }

  /** Runs one hub call; reloads the credentials and retries once on 401. Raw errors. */
  async call<T>(op: string, fn: (apis: HubApis) => Promise<T>): Promise<T> {
    try {
      return await this.timed(op, fn);
    } catch (err) {
      if (statusOf(err) !== 401) throw err;
      this.reload();
      return this.timed(op, fn);
    }
  }

  /** Drops the credentials; the next call reads them again. */
  reload(): void {
    const stale = this.current;
    this.current = undefined;
    // The old connections close once the calls still on them have ended or timed out.
    void stale?.then(({ api }) => setTimeout(() => api.close(), this.timeoutMs).unref(), () => undefined);
  }

  /** A hub call whose failure becomes a HubError that says what was being done. */
  async run<T>(op: string, fn: (apis: HubApis) => Promise<T>): Promise<T> {
    try {
      return await this.call(op, fn);
    } catch (err) {
      throw hubError(err, op);
    }
  }

  /** Like `run`, but the answer `also` (404 by default, or 409 for a create) is `undefined`. */
  async find<T>(op: string, fn: (apis: HubApis) => Promise<T>, also: 404 | 409 = 404): Promise<T | undefined> {
    try {
      return await this.call(op, fn);
    } catch (err) {
      if (statusOf(err) === also) return undefined;
      throw hubError(err, op);
    }
  }

  private async timed<T>(op: string, fn: (apis: HubApis) => Promise<T>): Promise<T> {
    const apis = await this.apis();
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      return await fn(apis);
    } catch (err) {
      outcome = String(statusOf(err) ?? (err instanceof Error ? err.name : 'error'));
      throw err;
    } finally {
      this.observe(op, Number(process.hrtime.bigint() - started) / 1e9, outcome);
    }
  }

  private async load(): Promise<HubApis> {
    const kubeConfig = await loadKubeConfig(this.source, this.timeoutMs);
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new HubError('unavailable', 'hub kubeconfig has no current cluster', 'The bot is not configured to reach the Karpor hub.');
    return { api: new HubRest(kubeConfig, cluster.server, this.timeoutMs), kubeConfig };
  }
}

async function loadKubeConfig(source: HubSource, timeoutMs: number): Promise<k8s.KubeConfig> {
  const kc = new k8s.KubeConfig();
  switch (source.kind) {
    case 'kubeconfig':
      kc.loadFromFile(source.path);
      if (source.context) kc.setCurrentContext(source.context);
      return kc;
    case 'in-cluster':
      kc.loadFromCluster();
      return kc;
    case 'provided':
      return source.load();
    case 'configmap': {
      const host = new k8s.KubeConfig();
      host.loadFromCluster();
      const server = host.getCurrentCluster()?.server ?? '';
      const reader = new HubRest(host, server, timeoutMs);
      const cm = await reader.get<k8s.V1ConfigMap>(paths.configMap(source.namespace, source.name)).finally(() => reader.close());
      const text = cm.data?.[source.key];
      if (!text) throw new HubError('unavailable', `ConfigMap ${source.namespace}/${source.name} has no key ${source.key}`, 'The bot cannot find its credentials for the Karpor hub.');
      kc.loadFromString(text);
      if (source.server) {
        const cluster = kc.getCurrentCluster();
        if (cluster) kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: source.server! } : c));
      }
      return kc;
    }
  }
}

export function statusOf(err: unknown): number | undefined {
  return err instanceof HubApiError ? err.code : undefined;
}

/** The `reason`/`message` of a Kubernetes Status answer, for logs. */
export function statusMessage(err: unknown): string {
  if (err instanceof HubApiError) return `${err.code} ${err.status.reason ?? ''}: ${err.status.message ?? ''}`.trim();
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Maps a raw client error to a HubError a person can be told about. */
export function hubError(err: unknown, what: string): HubError {
  if (err instanceof HubError) return err;
  const code = statusOf(err);
  const detail = `${what}: ${statusMessage(err)}`;
  if (code === undefined || code >= 500 || code === 429) {
    return new HubError('unavailable', detail, 'The Karpor hub is not answering right now; nothing was issued. Try again in a minute.');
  }
  if (code === 401 || code === 403) {
    return new HubError('forbidden', detail, 'The bot is not allowed to do this on the Karpor hub; its access there needs fixing. Please tell your Karpor administrators.');
  }
  if (code === 404) return new HubError('not-found', detail, 'Something the bot needs on the Karpor hub is missing. Please tell your Karpor administrators.');
  if (code === 409) return new HubError('conflict', detail, 'Someone changed the same thing on the Karpor hub at the same moment. Try again.');
  return new HubError('invalid', detail, 'The Karpor hub refused the request. Please tell your Karpor administrators.');
}
