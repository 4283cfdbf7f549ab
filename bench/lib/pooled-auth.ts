import https from 'node:https';
import type * as k8s from '@kubernetes/client-node';

/**
 * client-node makes a new https.Agent for every request, so every call would pay for a new TLS
 * handshake. This applies the same credentials but keeps one pooled keep-alive agent.
 */
export class PooledAuth implements k8s.SecurityAuthentication {
  private agent?: https.Agent;
  private agentKey?: string;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly maxSockets = 64,
  ) {}

  getName(): string {
    return 'pooled-kubeconfig';
  }

  async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    for (const [name, value] of Object.entries(opts.headers ?? {})) context.setHeaderParam(name, String(value));
    const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
    const key = JSON.stringify(tls);
    if (!this.agent || key !== this.agentKey) {
      this.agent?.destroy();
      this.agent = new https.Agent({ ...tls, keepAlive: true, maxSockets: this.maxSockets });
      this.agentKey = key;
    }
    context.setAgent(this.agent);
  }

  close(): void {
    this.agent?.destroy();
  }
}
