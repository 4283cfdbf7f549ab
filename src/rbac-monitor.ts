import type { HubClient } from './hub/client';
import { hubRbacEnabled } from './hub/server-configs';
import type { Log } from './log';
import type { Metrics } from './metrics';

export const RBAC_OFF =
  'The Karpor hub has RBAC turned off (EnableRBAC=false): it accepts any token, so the tokens this bot issues protect nothing. Turn RBAC on in Karpor (Helm: server.enableRbac=true).';

/** Watches whether the hub enforces RBAC (Karpor's `/server-configs`): with it off, tokens protect nothing. */
export class RbacMonitor {
  private enabled: boolean | undefined;

  constructor(
    private readonly conn: HubClient,
    private readonly log: Log,
    private readonly metrics: Metrics,
  ) {}

  /** True while the hub says it has RBAC off (people are warned in help). */
  acceptsAnyToken(): boolean {
    return this.enabled === false;
  }

  async check(): Promise<boolean | undefined> {
    const enabled = await hubRbacEnabled(this.conn);
    if (enabled === false) this.log.error({ alert: true }, RBAC_OFF);
    else if (enabled === undefined && this.enabled === undefined) this.log.info('the hub does not report whether RBAC is on (GET /server-configs)');
    this.enabled = enabled;
    this.metrics.hubRbac(enabled);
    return enabled;
  }
}
