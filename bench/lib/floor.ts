// The floor: the least any bot must do per token. One TokenRequest with client-node (over a
// pooled keep-alive connection, the cheapest way client-node can make it) and one raw
// chat.postEphemeral carrying the token, nothing else. The bound variant is what this bot must do
// at least: it first creates a Secret and binds the token to it, as the bot does with its grants
// (a revocable token), and proves the token at the dashboard's login check before posting it.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { PooledAuth } from './pooled-auth';

/** The steps of a token, named as in the comparison with the bot's own timers. */
export type FloorStep = 'grant Secret' | 'TokenRequest' | 'login check' | 'chat.postEphemeral';

export class Floor {
  private readonly core: k8s.CoreV1Api;
  private readonly auth: PooledAuth;
  private readonly slackAgent: http.Agent;
  private readonly kc: k8s.KubeConfig;
  /** Trusts the hub as the bot's kubeconfig does, but presents no credential of the bot's. */
  private proofAgent?: Promise<https.Agent>;
  /** Time spent in each step since the last `takeSteps()`, to set beside the bot's own timers. */
  private steps = new Map<FloorStep, { calls: number; sumMs: number }>();

  constructor(
    kubeconfigPath: string,
    private readonly namespace: string,
    private readonly serviceAccount: string,
    private readonly slackApiUrl: string,
    private readonly botToken: string,
    maxSockets: number,
  ) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    this.kc = kc;
    this.auth = new PooledAuth(kc, maxSockets);
    const configuration = k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(kc.getCurrentCluster()!.server, {}),
      authMethods: { default: this.auth },
    });
    this.core = new k8s.CoreV1Api(configuration);
    this.slackAgent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** One token, delivered: resolves when Slack has answered the postEphemeral. */
  async token(userId: string, bound = false): Promise<void> {
    let boundObjectRef: k8s.V1BoundObjectReference | undefined;
    if (bound) {
      const name = `bench-floor-${randomBytes(6).toString('hex')}`;
      const secret = await this.timed('grant Secret', () => this.core.createNamespacedSecret({ namespace: this.namespace, body: { metadata: { name, namespace: this.namespace } } }));
      boundObjectRef = { apiVersion: 'v1', kind: 'Secret', name, uid: secret.metadata!.uid! };
    }
    const answer = await this.timed('TokenRequest', () =>
      this.core.createNamespacedServiceAccountToken({
        namespace: this.namespace,
        name: this.serviceAccount,
        body: { spec: { audiences: [], expirationSeconds: 3600, ...(boundObjectRef && { boundObjectRef }) } },
      }),
    );
    const token = answer.status?.token;
    if (!token) throw new Error('TokenRequest answered without a token');
    if (bound) await this.timed('login check', () => this.prove(token));
    await this.timed('chat.postEphemeral', () => this.postEphemeral(userId, token));
  }

  /** Mean ms per step since the last call, and starts counting again. */
  takeSteps(): Partial<Record<FloorStep, { calls: number; meanMs: number }>> {
    const out = Object.fromEntries([...this.steps].map(([step, t]) => [step, { calls: t.calls, meanMs: Math.round((t.sumMs / t.calls) * 100) / 100 }]));
    this.steps = new Map();
    return out;
  }

  private async timed<T>(step: FloorStep, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await fn();
    const t = this.steps.get(step) ?? { calls: 0, sumMs: 0 };
    t.calls++;
    t.sumMs += performance.now() - started;
    this.steps.set(step, t);
    return result;
  }

  /** `GET /rest-api/v1/authn` with the new token, as the dashboard's login does; 200 is a yes. */
  private async prove(token: string): Promise<void> {
    const kc = this.kc;
    this.proofAgent ??= (async () => {
      const opts: https.RequestOptions = {};
      await kc.applyToHTTPSOptions(opts);
      return new https.Agent({ ca: opts.ca, rejectUnauthorized: opts.rejectUnauthorized ?? true, keepAlive: true, maxSockets: this.slackAgent.maxSockets });
    })();
    const agent = await this.proofAgent;
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(new URL('/rest-api/v1/authn', kc.getCurrentCluster()!.server), { agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.setTimeout(30_000, () => req.destroy(new Error('login check: timeout')));
      req.on('error', reject);
      req.end();
    });
    if (status !== 200) throw new Error(`login check: HTTP ${status}`);
  }

  private async postEphemeral(userId: string, token: string): Promise<void> {
    try {
      await this.postEphemeralOnce(userId, token, false);
    } catch (err) {
      // The fake closed an idle keep-alive socket just as it was reused: nothing was posted.
      if (!(err as { staleSocket?: boolean }).staleSocket) throw err;
      await this.postEphemeralOnce(userId, token, true);
    }
  }

  private postEphemeralOnce(userId: string, token: string, retried: boolean): Promise<void> {
    const body = new URLSearchParams({
      channel: `D${userId}`,
      user: userId,
      text: 'Your Karpor guest token',
      blocks: JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${token}\`\`\`` } }]),
    }).toString();
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = http.request(
        new URL('chat.postEphemeral', this.slackApiUrl),
        {
          method: 'POST',
          agent: this.slackAgent,
          headers: { authorization: `Bearer ${this.botToken}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          answered = true;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            const ok = res.statusCode === 200 && (JSON.parse(text) as { ok?: boolean }).ok === true;
            if (ok) resolve();
            else reject(new Error(`chat.postEphemeral: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
          });
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('chat.postEphemeral: timeout')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!answered && !retried && req.reusedSocket && err.code === 'ECONNRESET') Object.assign(err, { staleSocket: true });
        reject(err);
      });
      req.end(body);
    });
  }

  close(): void {
    this.auth.close();
    this.slackAgent.destroy();
    void this.proofAgent?.then((a) => a.destroy());
  }
}
