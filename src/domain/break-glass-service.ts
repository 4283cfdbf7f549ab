import type { AccessService, CommandOutcome } from './access-service';
import { confirmers, confirmStep, decideBreakGlass, overdue, type BreakGlassMessage } from './break-glass';
import type { Person, Policy } from './policy';
import type { Audit, Clock, Directory, Hub, Notifier, Reply } from './ports';

export interface BreakGlassDeps {
  policy: Policy;
  hub: Hub;
  directory: Directory;
  notifier: Notifier;
  clock: Clock;
  audit: Audit;
  service: Pick<AccessService, 'issue'>;
}

/**
 * Break-glass: the role at once, announced to everyone who may confirm it, and revoked by
 * housekeeping unless one of them confirms in time. The deadline and the confirmation live on
 * the grant object on the hub, so they survive restarts and hold across replicas.
 */
export class BreakGlassService {
  constructor(private readonly deps: BreakGlassDeps) {}

  async take(person: Person, ask: { role: string; seconds?: number; reason?: string }, reply: Reply): Promise<CommandOutcome> {
    const { policy, clock, audit, directory, notifier, hub } = this.deps;
    const decision = decideBreakGlass(policy, person, ask);
    if (decision.kind === 'refused') {
      audit({ event: 'request.refused', user: person.userId, role: ask.role, why: decision.reason.kind, breakGlass: true });
      await reply(decision.reason);
      return { kind: 'done', result: 'refused' };
    }
    const confirmBy = new Date(clock.now().getTime() + decision.confirmWithinSeconds * 1000);
    const grant = await this.deps.service.issue(person, decision.role, decision.seconds, { ...(ask.reason && { reason: ask.reason }), breakGlass: { confirmBy } });
    try {
      const people = (await directory.members(confirmers(policy, decision.role))).filter((u) => u !== person.userId);
      await notifier.announceBreakGlass(grant, people);
    } catch (err) {
      // A break-glass nobody was told of must not stand.
      await hub.revoke(grant.id).catch(() => undefined);
      audit({ event: 'grant.revoked', grant: grant.id, user: person.userId, role: grant.role, by: 'break-glass-unannounced' });
      throw err;
    }
    await reply({ kind: 'break-glass-issued', role: grant.role, expiresAt: grant.expiresAt, confirmBy, now: clock.now() });
    return { kind: 'done', result: 'issued' };
  }

  /** "Confirm" on a break-glass card: by someone who may confirm it, not its owner, before the deadline, once. */
  async confirm(userId: string, grantId: string): Promise<BreakGlassMessage> {
    const { policy, hub, directory, clock, audit, notifier } = this.deps;
    const grant = await hub.grant(grantId);
    const step = confirmStep(policy, grant, await directory.personLive(userId), clock.now());
    if (!step.ok) return step.reason;
    if (!grant) return { kind: 'break-glass-gone' };
    if (!(await hub.confirmBreakGlass(grant, userId))) {
      // Another click (or replica) got there first, or the grant went meanwhile: say which.
      const now = await hub.grant(grantId);
      return now?.breakGlass?.confirmedBy ? { kind: 'break-glass-already-confirmed', by: now.breakGlass.confirmedBy } : { kind: 'break-glass-gone' };
    }
    const confirmed = { ...grant, breakGlass: { confirmBy: grant.breakGlass!.confirmBy, confirmedBy: userId } };
    audit({ event: 'break-glass.confirmed', grant: grantId, user: confirmed.userId, role: confirmed.role, by: userId });
    await notifier.tell(confirmed.userId, { kind: 'your-break-glass-confirmed', by: userId, grant: confirmed });
    return { kind: 'break-glass-confirmed', grant: confirmed };
  }

  /** Revokes the break-glass grants whose confirmation did not come in time; returns how many. */
  async revokeUnconfirmed(): Promise<number> {
    const { hub, clock, audit, notifier } = this.deps;
    const now = clock.now();
    let revoked = 0;
    for (const grant of await hub.grants({})) {
      if (!overdue(grant, now)) continue;
      // Only the replica whose delete took effect reports it.
      if (!(await hub.revoke(grant.id))) continue;
      revoked++;
      audit({ event: 'break-glass.revoked-unconfirmed', grant: grant.id, user: grant.userId, role: grant.role, confirmBy: grant.breakGlass!.confirmBy.toISOString() });
      await notifier.tell(grant.userId, { kind: 'your-break-glass-revoked', grant }).catch(() => undefined);
    }
    return revoked;
  }
}
