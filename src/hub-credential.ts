import type { Settings } from './config/env';
import type { Clock } from './domain/ports';
import type { HubClient, HubSource } from './hub/client';
import { ownHubAccess } from './hub/credential';
import type { Log } from './log';
import type { Metrics } from './metrics';

const SUPERUSER =
  "The bot reaches the hub with Karpor's own admin kubeconfig (HUB_KUBECONFIG_CONFIGMAP): anyone who takes over this pod is a hub superuser. Run `karpor-token-bot setup-hub` and use HUB_KUBECONFIG instead.";

/**
 * The bot's own hub credential, kept. A kubeconfig from setup-hub renews its token when it is
 * due (see src/hub/credential.ts); its expiry is a metric, and an end that comes close without
 * a renewal is warned of, then alerted on. Karpor's admin kubeconfig is alerted on at start.
 */
export class HubCredential {
  /** Where the hub client reads the credential. */
  readonly source: HubSource;
  private readonly keep?: (conn: HubClient, now: Date) => Promise<void>;

  constructor(
    private readonly deps: {
      hub: Settings['hub'];
      /** The client that uses this credential, through which it renews itself. */
      client: () => HubClient;
      clock: Clock;
      metrics: Pick<Metrics, 'hubCredentialExpiry'>;
      log: Log;
      /** The host cluster, where a renewed credential is stored (in-cluster by default). */
      hostCluster?: HubSource;
    },
  ) {
    const { log } = deps;
    const access = ownHubAccess(deps.hub, {
      expiry: (at) => deps.metrics.hubCredentialExpiry(at),
      renewed: (at) => log.info({ expiresAt: at.toISOString() }, "the bot's hub credential was renewed"),
      warn: (detail, message) => log.warn(detail, message),
      alert: (detail, message) => log.error({ alert: true, ...detail }, message),
      ...(deps.hostCluster && { hostCluster: deps.hostCluster }),
    });
    this.source = access.source;
    this.keep = access.keep;
  }

  /** Renews the credential if it is due; warns when its end is near. Nothing to do but for a kubeconfig. */
  async run(): Promise<void> {
    await this.keep?.(this.deps.client(), this.deps.clock.now());
  }

  /** Said once at start, loudly, when the bot holds Karpor's superuser. */
  alertIfSuperuser(): void {
    if (this.deps.hub.source.kind === 'configmap') this.deps.log.error({ alert: true }, SUPERUSER);
  }
}
