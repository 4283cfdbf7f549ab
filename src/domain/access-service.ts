import { parseCommand, type Command, type Markup, type RevokeTarget } from './command';
import { grantsBeyondEntitlement, whoLostRoles, type Membership } from './entitlement';
import { HubError, RoleMismatchError, TokenRefusedError } from './errors';
import { isLive, type Grant } from './grant';
import type { Finding } from './doctor';
import type { Answer, Message } from './messages';
import { canRevokeOthers, decide, rolesFor, roleByAlias, type Person, type Policy, type RolePolicy } from './policy';
import type { Audit, Clock, Directory, Hub, Notifier, Reply } from './ports';
import type { AccessRequest } from './request';

export interface AccessServiceDeps {
  policy: Policy;
  directory: Directory;
  hub: Hub;
  notifier: Notifier;
  clock: Clock;
  audit: Audit;
  newRef: () => string;
  /** How the chat's markup reads (mentions, escaped text), for the command parser. */
  markup: Markup;
  dashboardUrl?: string;
  /** Whether the hub accepts any token (RBAC off): people are warned in help. */
  hubAcceptsAnyToken?: () => boolean;
  /** Ends a person's open requests when their access is revoked; how many. */
  withdrawRequests?: (userId: string, by: string) => Promise<number>;
  /** The person's access requests still waiting for a decision, for `status`. */
  pendingRequests?: (userId: string) => Promise<AccessRequest[]>;
  log: { error(obj: object, msg: string): void };
  /** `--break-glass` (see break-glass-service.ts). */
  breakGlass?: (person: Person, ask: { role: string; seconds?: number; reason?: string }, reply: Reply) => Promise<CommandOutcome>;
  /** Runs the check-up of the hub and Slack (`/karpor-token doctor`). */
  checkUp?: () => Promise<Finding[]>;
}

/** How a fully answered command ended (for metrics). */
export type CommandResult = 'invalid' | 'help' | 'status' | 'doctor' | 'revoke' | 'refused' | 'issued' | 'failed';

/** What the Slack edge must still do after a command: most are fully answered; approvals need a modal or a request. */
export type CommandOutcome =
  | { kind: 'done'; result: CommandResult }
  | { kind: 'approval'; person: Person; role: RolePolicy; seconds: number; reason?: string; needsReason: boolean };

/**
 * The use cases behind `/karpor-token` and the grant buttons. Pure decisions come from the
 * domain functions; this class only sequences the ports and turns failures into answers.
 */
export class AccessService {
  constructor(private readonly deps: AccessServiceDeps) {}

  async command(userId: string, text: string, reply: Reply): Promise<CommandOutcome> {
    const parsed = parseCommand(text, this.deps.markup);
    if (!parsed.ok) {
      await reply(parsed.reason);
      return done('invalid');
    }
    return this.run(userId, parsed.command, reply);
  }

  /** Runs a use case; a failure becomes a specific answer with a reference, details go to the log. */
  async guarded<T>(userId: string, what: string, fn: () => Promise<T>, reply: Reply): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      const ref = this.deps.newRef();
      this.deps.log.error({ err, ref, user: userId, what }, `${what} failed`);
      await reply(err instanceof RoleMismatchError ? { kind: 'role-mismatch', role: err.role, problem: err.problem, ref } : { kind: 'failed', error: err, ref });
      return undefined;
    }
  }

  private async run(userId: string, command: Command, reply: Reply): Promise<CommandOutcome> {
    const outcome = await this.guarded(userId, command.kind, async (): Promise<CommandOutcome> => {
      if (command.kind === 'doctor') return this.doctor(userId, reply);
      const person = await this.deps.directory.person(userId);
      switch (command.kind) {
        case 'help':
          await reply(this.help(person));
          return done('help');
        case 'status':
          await reply(await this.status(person));
          return done('status');
        case 'revoke':
          await reply(await this.revoke(person, command.target));
          return done('revoke');
        case 'request': {
          if (command.breakGlass) {
            if (this.deps.breakGlass) return this.deps.breakGlass(person, command, reply);
            await reply({ kind: 'no-break-glass', role: command.role });
            return done('refused');
          }
          const decision = decide(this.deps.policy, person, command);
          if (decision.kind === 'refused') {
            this.deps.audit({ event: 'request.refused', user: userId, role: command.role, why: decision.reason.kind });
            await reply(decision.reason);
            return done('refused');
          }
          if (decision.kind === 'needs-approval') {
            const { role, seconds, needsReason } = decision;
            return { kind: 'approval', person, role, seconds, needsReason, ...(decision.reason && { reason: decision.reason }) };
          }
          const grant = await this.issue(person, decision.role, decision.seconds, {});
          await reply({ kind: 'issued', role: decision.role.alias, expiresAt: grant.expiresAt, now: this.deps.clock.now() });
          return done('issued');
        }
      }
    }, reply);
    return outcome ?? done('failed');
  }

  /** Issues a token for a decided grant and delivers it; revokes it again if delivery fails. */
  async issue(person: Person, role: RolePolicy, seconds: number, meta: { approvedBy?: string[]; reason?: string; requestId?: string; breakGlass?: { confirmBy: Date } }): Promise<Grant> {
    const { hub, notifier, clock, audit } = this.deps;
    // No token is made for someone it cannot be given to.
    await notifier.reachable(person.userId);
    const newGrant = { userId: person.userId, role: role.alias, grantedAt: clock.now(), ...meta };
    // One request gives one grant, whatever failed after it was made (a lost write, a slow
    // delivery taken over by another replica): the grant there is gets a fresh token instead.
    const earlier = meta.requestId && (await hub.grant(meta.requestId));
    if (earlier) return this.redeliver(earlier, role);
    let issued;
    try {
      issued = await hub.issue(await hub.ensureIdentity(role, person.userId), newGrant, seconds);
    } catch (err) {
      const made = meta.requestId && err instanceof HubError && err.kind === 'conflict' && !(err instanceof RoleMismatchError) && (await hub.grant(meta.requestId));
      if (made) return this.redeliver(made, role);
      // The ServiceAccount vanished since it was last checked (deleted by hand, or only half
      // made): make it again and try once more.
      if (!(err instanceof HubError && err.kind === 'not-found')) throw err;
      issued = await hub.issue(await hub.ensureIdentity(role, person.userId), newGrant, seconds);
    }
    const { grant, token } = issued;
    try {
      await this.proveAndDeliver(grant, token);
    } catch (err) {
      // A token nobody received, or one that would not work, must not stay valid.
      await hub.revoke(grant.id).catch(() => undefined);
      audit({ event: err instanceof TokenRefusedError ? 'grant.refused-by-hub' : 'grant.undelivered', grant: grant.id, user: person.userId, role: role.alias, status: err instanceof TokenRefusedError ? err.status : undefined });
      throw err;
    }
    audit({ event: meta.breakGlass ? 'grant.break-glass' : 'grant.issued', confirmBy: meta.breakGlass?.confirmBy.toISOString(), grant: grant.id, user: person.userId, role: role.alias, seconds, expires: grant.expiresAt.toISOString(), serviceAccount: grant.serviceAccount, approvedBy: meta.approvedBy?.join(','), request: meta.requestId, reason: meta.reason });
    return grant;
  }

  /** A request's grant made before (by this or another replica): a fresh token bound to it, delivered like the first. */
  private async redeliver(grant: Grant, role: RolePolicy): Promise<Grant> {
    if (!isLive(grant, this.deps.clock.now())) return grant;
    const { token, tokenExpiresAt } = await this.deps.hub.reissue(grant, { namespace: grant.namespace, serviceAccount: grant.serviceAccount, clusterRole: role.clusterRole });
    try {
      await this.deliver(grant, token, tokenExpiresAt);
    } catch (err) {
      await this.deps.hub.revoke(grant.id).catch(() => undefined);
      this.deps.audit({ event: 'grant.undelivered', grant: grant.id, user: grant.userId, role: grant.role });
      throw err;
    }
    this.deps.audit({ event: 'grant.redelivered', grant: grant.id, user: grant.userId, role: grant.role, request: grant.requestId });
    return grant;
  }

  /** "Show token again": a fresh token bound to the same grant, for its owner only. */
  async showAgain(userId: string, grantId: string): Promise<Answer> {
    const now = this.deps.clock.now();
    const grant = await this.deps.hub.grant(grantId);
    if (!grant || grant.userId !== userId) return { kind: 'unknown-grant', askAgain: false };
    if (!isLive(grant, now)) return { kind: 'grant-expired' };
    const person = await this.deps.directory.person(userId);
    const role = roleByAlias(this.deps.policy, grant.role);
    if (!role || !rolesFor(this.deps.policy, person).includes(role)) {
      await this.deps.hub.revoke(grant.id);
      this.deps.audit({ event: 'grant.revoked', grant: grant.id, user: userId, role: grant.role, by: 'policy' });
      return { kind: 'revoked-by-policy', role: grant.role };
    }
    const identity = { namespace: grant.namespace, serviceAccount: grant.serviceAccount, clusterRole: role.clusterRole };
    const { token, tokenExpiresAt } = await this.deps.hub.reissue(grant, identity);
    try {
      await this.proveAndDeliver(grant, token, tokenExpiresAt);
    } catch (err) {
      if (!(err instanceof TokenRefusedError)) throw err;
      // The grant's tokens no longer work: it is removed rather than left to fail at login.
      await this.deps.hub.revoke(grant.id).catch(() => undefined);
      this.deps.audit({ event: 'grant.refused-by-hub', grant: grant.id, user: userId, role: grant.role, status: err.status });
      throw err;
    }
    this.deps.audit({ event: 'grant.shown-again', grant: grant.id, user: userId, role: grant.role });
    return { kind: 'shown-again' };
  }

  /** DMs the owners of grants about to end, once per grant across replicas. */
  async remindExpiring(withinMs: number): Promise<number> {
    const now = this.deps.clock.now();
    let sent = 0;
    for (const grant of await this.deps.hub.grants({})) {
      const left = grant.expiresAt.getTime() - now.getTime();
      if (left <= 0 || left > withinMs || grant.remindedAt) continue;
      if (!(await this.deps.hub.markReminded(grant, now))) continue;
      await this.deps.notifier.remindExpiry(grant);
      sent++;
    }
    return sent;
  }

  /** "Extend" on a reminder: the same role asked for again, through the whole policy. */
  async extend(userId: string, grantId: string, reply: Reply): Promise<CommandOutcome> {
    const grant = await this.deps.hub.grant(grantId);
    if (!grant || grant.userId !== userId) {
      await reply({ kind: 'unknown-grant', askAgain: true });
      return done('refused');
    }
    return this.run(userId, { kind: 'request', role: grant.role }, reply);
  }

  /** A role asked for by name (the Home tab's buttons), at its default duration, through the whole policy. */
  requestRole(userId: string, role: string, reply: Reply): Promise<CommandOutcome> {
    return this.run(userId, { kind: 'request', role }, reply);
  }

  /**
   * The check-up, for approvers and revokers only: what it shows is how to get around the bot's
   * protections. Membership is asked of Slack now, and no answer means no check-up.
   */
  private async doctor(userId: string, reply: Reply): Promise<CommandOutcome> {
    const person = await this.deps.directory.personLive(userId);
    if (!canRevokeOthers(this.deps.policy, person) || !this.deps.checkUp) {
      this.deps.audit({ event: 'doctor.refused', user: userId });
      await reply({ kind: 'doctor-refused' });
      return done('refused');
    }
    const findings = await this.deps.checkUp();
    this.deps.audit({ event: 'doctor.run', user: userId });
    await reply({ kind: 'doctor', findings, now: this.deps.clock.now() });
    return done('doctor');
  }

  help(person: Person): Message {
    return { kind: 'help', mine: rolesFor(this.deps.policy, person), hubAcceptsAnyToken: this.deps.hubAcceptsAnyToken?.() ?? false };
  }

  async status(person: Person): Promise<Message> {
    const now = this.deps.clock.now();
    const [allGrants, requests] = await Promise.all([this.deps.hub.grants({ userId: person.userId }), this.deps.pendingRequests?.(person.userId) ?? []]);
    const grants = allGrants.filter((g) => isLive(g, now));
    const open = requests.filter((r) => r.state === 'pending' && r.expiresAt > now);
    return { kind: 'status', grants, requests: open, now };
  }

  /**
   * After a successful membership look-up: the grants of roles people lost end, audited, and
   * their owners are told why. `before` is the last look-up acted on (none at start: all grants
   * are checked). Returns how many ended; throws when the hub fails, so the loss is acted on later.
   */
  async enforceMembership(before: Membership | undefined, after: Membership): Promise<number> {
    const { hub, policy, audit, notifier, log } = this.deps;
    if (before && whoLostRoles(policy, before, after).length === 0) return 0;
    let ended = 0;
    for (const grant of grantsBeyondEntitlement(policy, await hub.grants({}), after, this.deps.clock.now())) {
      // Another replica may have ended it first: one audit line and one DM.
      if (!(await hub.revoke(grant.id))) continue;
      ended++;
      audit({ event: 'grant.revoked', grant: grant.id, user: grant.userId, role: grant.role, by: 'membership' });
      await notifier.tell(grant.userId, { kind: 'your-grant-ended-by-membership', grant }).catch((err: unknown) => log.error({ err, user: grant.userId, grant: grant.id }, 'could not tell about a grant ended by membership'));
    }
    return ended;
  }

  /** "Revoke now" on a grant card; says which grant ended, so that the card can show it. */
  async revokeGrant(userId: string, grantId: string): Promise<{ message: Answer; revoked?: Grant }> {
    return this.revokeById(await this.deps.directory.person(userId), grantId);
  }

  async revoke(person: Person, target: RevokeTarget): Promise<Answer> {
    const { hub, audit, notifier } = this.deps;
    const now = this.deps.clock.now();
    if ('grantId' in target) return (await this.revokeById(person, target.grantId)).message;
    const owner = 'userId' in target ? target.userId : person.userId;
    if (owner !== person.userId && !canRevokeOthers(this.deps.policy, person)) {
      return { kind: 'revoking-others-refused' };
    }
    // Open requests first, so that none is delivered after the grants are gone.
    const requests = (await this.deps.withdrawRequests?.(owner, person.userId)) ?? 0;
    const grants = (await hub.grants({ userId: owner })).filter((g) => isLive(g, now));
    for (const grant of grants) await this.end(grant, person.userId);
    if (owner !== person.userId && grants.length + requests > 0) {
      await notifier.tell(owner, { kind: 'your-grants-revoked', by: person.userId, count: grants.length, requests });
    }
    audit({ event: 'grants.revoked', user: owner, by: person.userId, count: grants.length, ...(requests && { requests }) });
    return { kind: 'revoked-all', owner, self: owner === person.userId, count: grants.length, requests };
  }

  private async revokeById(person: Person, grantId: string): Promise<{ message: Answer; revoked?: Grant }> {
    const grant = await this.deps.hub.grant(grantId);
    if (!grant || (grant.userId !== person.userId && !canRevokeOthers(this.deps.policy, person))) {
      return { message: { kind: 'no-grant-to-revoke', grantId } };
    }
    await this.end(grant, person.userId);
    if (grant.userId !== person.userId) await this.deps.notifier.tell(grant.userId, { kind: 'your-grant-revoked', by: person.userId, grant });
    return { message: { kind: 'revoked', grant }, revoked: grant };
  }

  /** Only a token the hub lets log in reaches the person. */
  private async proveAndDeliver(grant: Grant, token: string, tokenExpiresAt?: Date): Promise<void> {
    const proof = await this.deps.hub.proveToken(token);
    if (!proof.accepted) throw new TokenRefusedError(grant.id, proof.status);
    await this.deliver(grant, token, tokenExpiresAt);
  }

  private deliver(grant: Grant, token: string, tokenExpiresAt?: Date): Promise<void> {
    return this.deps.notifier.deliverToken({ grant, token, ...(tokenExpiresAt && { tokenExpiresAt }), ...(this.deps.dashboardUrl && { dashboardUrl: this.deps.dashboardUrl }) });
  }

  /** Revokes one grant (its tokens with it), audited with who or what ended it. */
  async end(grant: Grant, by: string): Promise<void> {
    await this.deps.hub.revoke(grant.id);
    this.deps.audit({ event: 'grant.revoked', grant: grant.id, user: grant.userId, role: grant.role, by });
  }
}

const done = (result: CommandResult): CommandOutcome => ({ kind: 'done', result });

