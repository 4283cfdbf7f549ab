import type { AccessService } from './domain/access-service';
import type { Approvals } from './domain/approvals';
import type { Audit } from './domain/ports';
import type { KarporHub } from './hub/karpor-hub';
import type { Log } from './log';
import type { Metrics } from './metrics';

/**
 * The bot's periodic work: expired grants go (their tokens with them), people whose tokens are
 * about to expire are reminded, overdue requests expire and approved ones are delivered.
 */
export class Housekeeping {
  constructor(
    private readonly deps: {
      hub: Pick<KarporHub, 'deleteExpired'>;
      service: Pick<AccessService, 'remindExpiring'>;
      approvals: Pick<Approvals, 'resume' | 'purgeFinished'>;
      /** Remind this long before a token expires. */
      reminderMs: number;
      metrics: Pick<Metrics, 'liveGrants' | 'pendingRequests'>;
      log: Log;
      audit?: Audit;
      /** Break-glass grants nobody confirmed in time. */
      breakGlass?: { revokeUnconfirmed(): Promise<number> };
    },
  ) {}

  async run(): Promise<void> {
    const { hub, service, approvals, reminderMs, metrics, log } = this.deps;
    try {
      const { removed, live, expired } = await hub.deleteExpired();
      if (removed > 0) log.info({ removed }, 'expired grants removed');
      for (const g of expired) this.deps.audit?.({ event: 'grant.expired', grant: g.id, user: g.userId, role: g.role, expires: g.expiresAt.toISOString() });
      metrics.liveGrants(live);
      const unconfirmed = (await this.deps.breakGlass?.revokeUnconfirmed()) ?? 0;
      if (unconfirmed > 0) log.warn({ revoked: unconfirmed }, 'unconfirmed break-glass grants revoked');
      await service.remindExpiring(reminderMs);
      metrics.pendingRequests(await approvals.resume());
    } catch (err) {
      log.warn({ err }, 'housekeeping failed');
    }
  }

  /** Finished requests go after their retention (less often than run(): there may be tens of thousands). */
  async purge(): Promise<void> {
    try {
      const removed = await this.deps.approvals.purgeFinished();
      if (removed > 0) this.deps.log.info({ removed }, 'finished requests removed');
    } catch (err) {
      this.deps.log.warn({ err }, 'removing finished requests failed');
    }
  }
}
