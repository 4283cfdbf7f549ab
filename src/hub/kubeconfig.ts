import * as fs from 'node:fs';
import type https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';

interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

interface UserEntry {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  [other: string]: unknown;
}

interface Document {
  'current-context'?: string;
  clusters?: Array<{ name: string; cluster?: ClusterEntry }>;
  users?: Array<{ name: string; user?: UserEntry }>;
  contexts?: Array<{ name: string; context?: { cluster?: string; user?: string } }>;
  [other: string]: unknown;
}

/** The user fields read here; a user with any other (exec plugins, auth providers, basic auth, impersonation) is left to client-node. */
const PLAIN_USER = new Set(['token', 'tokenFile', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data']);
const FILE_FIELDS = { cluster: ['certificate-authority'], user: ['tokenFile', 'client-certificate', 'client-key'] } as const;
const SERVICEACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * A kubeconfig (kubectl's format) as the bot uses it: the current context's server, its trust and
 * the user's token or client certificate, applied to each call. These plain kinds (what setup-hub
 * writes, Karpor's own kubeconfig, a pod's ServiceAccount) are read here; client-node, whose
 * KubeConfig loads all of its generated API clients, is loaded only for a user that needs its
 * authenticators.
 */
export class Kubeconfig {
  private library?: Promise<KubeConfig>;

  private constructor(
    private readonly doc: Document,
    private readonly contextName: string | undefined,
  ) {}

  /** Relative file names in it are relative to the file, as kubectl reads them. */
  static fromFile(file: string, context?: string): Kubeconfig {
    return Kubeconfig.fromText(fs.readFileSync(file, 'utf8'), context, path.dirname(path.resolve(file)));
  }

  static fromText(text: string, context?: string, dir?: string): Kubeconfig {
    const doc = (parse(text) ?? {}) as Document;
    if (dir) {
      for (const c of doc.clusters ?? []) if (c.cluster) absolute(c.cluster as Record<string, unknown>, FILE_FIELDS.cluster, dir);
      for (const u of doc.users ?? []) if (u.user) absolute(u.user, FILE_FIELDS.user, dir);
    }
    return new Kubeconfig(doc, context ?? doc['current-context']);
  }

  /** The pod's own ServiceAccount: its token file (read again on each apply, as the kubelet rotates it) and the cluster's CA. */
  static inCluster(root = SERVICEACCOUNT): Kubeconfig {
    const host = process.env.KUBERNETES_SERVICE_HOST ?? '';
    const port = process.env.KUBERNETES_SERVICE_PORT ?? '';
    const server = `https://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
    return new Kubeconfig(
      {
        clusters: [{ name: 'in-cluster', cluster: { server, 'certificate-authority': `${root}/ca.crt` } }],
        users: [{ name: 'in-cluster', user: { tokenFile: `${root}/token` } }],
        contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'in-cluster' } }],
      },
      'in-cluster',
    );
  }

  /** The current cluster's address; undefined when there is no current cluster. */
  get server(): string | undefined {
    return this.cluster()?.server?.replace(/\/$/, '');
  }

  /** The current user's token, when it is written in the kubeconfig itself. */
  get token(): string | undefined {
    return this.user()?.token;
  }

  /** The same, with the current user's token replaced. */
  withToken(token: string): Kubeconfig {
    const name = this.context()?.user;
    return new Kubeconfig({ ...this.doc, users: this.doc.users?.map((u) => (u.name === name ? { ...u, user: { ...u.user, token } } : u)) }, this.contextName);
  }

  /** The same, reaching the current cluster at another address. */
  withServer(server: string): Kubeconfig {
    const name = this.context()?.cluster;
    return new Kubeconfig({ ...this.doc, clusters: this.doc.clusters?.map((c) => (c.name === name ? { ...c, cluster: { ...c.cluster, server } } : c)) }, this.contextName);
  }

  /** As a kubeconfig file. */
  text(): string {
    return stringify({ ...this.doc, ...(this.contextName && { 'current-context': this.contextName }) });
  }

  /** Sets a call's trust and credentials, as client-node's KubeConfig of the same name does. */
  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const user = this.user() ?? {};
    if (Object.entries(user).some(([k, v]) => v != null && !PLAIN_USER.has(k))) return (await this.viaLibrary()).applyToHTTPSOptions(opts);
    const cluster = this.cluster() ?? {};
    if (cluster['insecure-skip-tls-verify'] === true) opts.rejectUnauthorized = false;
    if (cluster['tls-server-name']) opts.servername = cluster['tls-server-name'];
    const ca = material(cluster['certificate-authority'], cluster['certificate-authority-data']);
    const cert = material(user['client-certificate'], user['client-certificate-data']);
    const key = material(user['client-key'], user['client-key-data']);
    if (ca) opts.ca = ca;
    if (cert) opts.cert = cert;
    if (key) opts.key = key;
    const token = user.token ?? (user.tokenFile ? fs.readFileSync(user.tokenFile, 'utf8').trim() : undefined);
    if (token) opts.headers = { ...opts.headers, authorization: `Bearer ${token}` };
  }

  /** client-node's KubeConfig for the same file, made once: its exec and auth-provider plugins keep their tokens in it. */
  private viaLibrary(): Promise<KubeConfig> {
    this.library ??= import('@kubernetes/client-node').then(({ KubeConfig }) => {
      const kc = new KubeConfig();
      kc.loadFromString(this.text());
      return kc;
    });
    return this.library;
  }

  private context(): { cluster?: string; user?: string } | undefined {
    return this.doc.contexts?.find((c) => c.name === this.contextName)?.context;
  }

  private cluster(): ClusterEntry | undefined {
    const name = this.context()?.cluster;
    return this.doc.clusters?.find((c) => c.name === name)?.cluster;
  }

  private user(): UserEntry | undefined {
    const name = this.context()?.user;
    return this.doc.users?.find((u) => u.name === name)?.user;
  }
}

function absolute(entry: Record<string, unknown>, fields: readonly string[], dir: string): void {
  for (const field of fields) {
    const value = entry[field];
    if (typeof value === 'string' && value && !path.isAbsolute(value)) entry[field] = path.join(dir, value);
  }
}

function material(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return fs.readFileSync(file);
  return data ? Buffer.from(data, 'base64') : undefined;
}
