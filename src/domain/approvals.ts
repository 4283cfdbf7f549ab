import type { AccessService } from './access-service';
import { decide, requestLimits, roleByAlias, type Ask, type Person, type Policy, type RolePolicy } from './policy';
import { StaleRequestError, type Audit, type Clock, type Directory, type Hub, type Notifier, type Reply, type RequestStore } from './ports';
import { summarizeRole, type RoleSummary } from './role-rules';
import type { StepRefusal } from './messages';
import * as life from './request';
import type { AccessRequest, Step } from './request';
import type { Grant } from './grant';

export interface ApprovalsDeps {
  policy: Policy;
  directory: Directory;
  store: RequestStore;
  /** Where the approval card reads what the role allows. */
  hub: Pick<Hub, 'roleRules'>;
  notifier: Notifier;
  service: AccessService;
  clock: Clock;
  audit: Audit;
  newId: () => string;
  /** Which replica this is: recorded when it claims an approved request for delivery. */
  instance: string;
}

/** An approved request another replica claimed longer ago than this is taken over on resume. */
const CLAIM_STALE_MS = 2 * 60_000;
const CAS_ATTEMPTS = 5;

/** A step of the request's life, or a change of the bot's own bookkeeping (which needs no reason). */
type Change = Step | { ok: false; reason?: undefined };

/**
 * Access requests for roles that need a second person. Every change is one compare-and-swap on
 * the store, so a click is applied once however often it arrives and whichever replica gets it;
 * the loser re-reads the request and is told who decided first. Membership is checked live.
 */
export class Approvals {
  constructor(private readonly deps: ApprovalsDeps) {}

  /** Opens a request (the policy decision is made again: nothing from a form is trusted). */
  async request(userId: string, ask: Ask, reply: Reply): Promise<void> {
    const { policy, directory, store, notifier, clock, audit } = this.deps;
    const person = await directory.person(userId);
    const decision = decide(policy, person, ask);
    if (decision.kind === 'refused') return reply(decision.reason);
    if (decision.kind === 'grant') {
      await this.deps.service.issue(person, decision.role, decision.seconds, {});
      return reply({ kind: 'issued', role: decision.role.alias, now: this.deps.clock.now() });
    }
    if (decision.needsReason) return reply({ kind: 'needs-reason', role: decision.role.alias, seconds: decision.seconds });
    const approval = decision.role.approval!;
    const allows = await this.allows(decision.role);
    const now = clock.now();
    const { maxOpenPerPerson } = requestLimits(policy);
    const open = (await store.list({ requester: userId, state: 'pending' })).filter((r) => now < r.expiresAt).length;
    if (open >= maxOpenPerPerson) return reply({ kind: 'too-many-open-requests', open, max: maxOpenPerPerson });
    const created = await store.create({
      id: this.deps.newId(),
      requester: userId,
      role: decision.role.alias,
      seconds: decision.seconds,
      ...(decision.reason && { reason: decision.reason }),
      state: 'pending',
      createdAt: now,
      expiresAt: new Date(now.getTime() + approval.timeoutSeconds * 1000),
      approvals: [],
      allows,
      cards: [],
    });
    audit({ event: 'request.opened', request: created.id, user: userId, role: created.role, seconds: created.seconds, reason: created.reason });
    const approvers = (await directory.members(approval)).filter((u) => u !== userId);
    const cards = await notifier.postApprovalCards(created, approvers);
    await this.change(created.id, (req) => (req.state === 'pending' ? { ok: true, next: { ...req, cards } } : { ok: false }));
    await reply({ kind: 'request-pending', request: { ...created, cards } });
  }

  async approve(requestId: string, approverId: string, reply: Reply): Promise<void> {
    const approve = (req: AccessRequest, approver: Person, role: RolePolicy) => life.approve(req, approver, role, this.deps.clock.now());
    if (await this.refusedOnSight(requestId, approverId, reply, approve)) return;
    const approver = await this.deps.directory.personLive(approverId);
    const result = await this.decideOn(requestId, reply, (req, role) => approve(req, approver, role));
    if (!result) return;
    const { next, role } = result;
    this.deps.audit({ event: next.state === 'approved' ? 'request.approved' : 'request.approval-added', request: next.id, user: next.requester, approver: approverId, role: next.role, seconds: next.seconds, reason: next.reason });
    if (next.state !== 'approved') {
      await this.deps.notifier.updateApprovalCards(next);
      return reply({ kind: 'approval-recorded', more: role.approval!.count - next.approvals.length });
    }
    await reply({ kind: 'approved', requester: next.requester });
    await this.deliver(next);
  }

  async deny(requestId: string, approverId: string, reason: string, reply: Reply): Promise<void> {
    const deny = (req: AccessRequest, approver: Person, role: RolePolicy) => life.deny(req, approver, role, reason, this.deps.clock.now());
    if (await this.refusedOnSight(requestId, approverId, reply, deny)) return;
    const approver = await this.deps.directory.personLive(approverId);
    const result = await this.decideOn(requestId, reply, (req, role) => deny(req, approver, role));
    if (!result) return;
    const { next } = result;
    this.deps.audit({ event: 'request.denied', request: next.id, user: next.requester, approver: approverId, role: next.role, seconds: next.seconds, reason: next.reason, denyReason: reason });
    await this.deps.notifier.updateApprovalCards(next);
    await this.deps.notifier.tell(next.requester, { kind: 'your-request-denied', by: approverId, request: next, reason });
    await reply({ kind: 'denied' });
  }

  async cancel(requestId: string, userId: string, reply: Reply): Promise<void> {
    const result = await this.decideOn(requestId, reply, (req) => life.cancel(req, userId, this.deps.clock.now()));
    if (!result) return;
    this.deps.audit({ event: 'request.cancelled', request: requestId, user: userId, role: result.next.role });
    await this.deps.notifier.updateApprovalCards(result.next);
    await reply({ kind: 'cancelled' });
  }

  /** Ends a person's open requests (their access was revoked); the approvers' cards say so. Returns how many. */
  async withdraw(userId: string, by: string): Promise<number> {
    const now = this.deps.clock.now();
    const open = await this.deps.store.list({ requester: userId });
    let ended = 0;
    for (const req of open) {
      const next = await this.change(req.id, (r) => life.withdraw(r, by, now));
      if (!next) continue;
      ended++;
      this.deps.audit({ event: 'request.withdrawn', request: next.id, user: userId, role: next.role, by });
      await this.deps.notifier.updateApprovalCards(next);
    }
    return ended;
  }

  /** Deletes finished requests older than the retention; returns how many. */
  async purgeFinished(): Promise<number> {
    const now = this.deps.clock.now();
    const { keepFinishedSeconds } = requestLimits(this.deps.policy);
    let removed = 0;
    for (const req of await this.deps.store.finished()) {
      if (life.pastRetention(req, now, keepFinishedSeconds) && (await this.deps.store.delete(req.id))) removed++;
    }
    return removed;
  }

  /** Expires overdue requests and finishes approved ones nobody is delivering (after a restart); returns how many still wait for a decision. */
  async resume(): Promise<number> {
    const { store, clock } = this.deps;
    const now = clock.now();
    let open = 0;
    for (const req of await store.list({ state: 'pending' })) {
      if (now < req.expiresAt) {
        open++;
        continue;
      }
      const next = await this.change(req.id, (r) => life.expire(r, now));
      if (!next) continue;
      this.deps.audit({ event: 'request.expired', request: next.id, user: next.requester, role: next.role });
      await this.deps.notifier.updateApprovalCards(next);
      await this.deps.notifier.tell(next.requester, { kind: 'your-request-expired', request: next });
    }
    for (const req of await store.list({ state: 'approved' })) {
      const claimedAt = req.claim ? req.claim.at.getTime() : 0;
      if (now.getTime() - claimedAt >= CLAIM_STALE_MS) await this.deliver(req);
    }
    return open;
  }

  /** Issues the token of an approved request, once: the delivering replica first claims it. */
  private async deliver(approved: AccessRequest): Promise<void> {
    const { notifier, directory, policy, clock } = this.deps;
    const claimed = await this.change(approved.id, (r) =>
      r.state === 'approved' && (!r.claim || r.claim.instance === this.deps.instance || clock.now().getTime() - r.claim.at.getTime() >= CLAIM_STALE_MS)
        ? { ok: true, next: { ...r, claim: { instance: this.deps.instance, at: clock.now() } } }
        : { ok: false },
    );
    if (!claimed) return;
    let outcome: Step;
    let grant: Grant | undefined;
    try {
      const person = await directory.person(claimed.requester);
      // Still allowed now? The approval does not outlive the requester's membership.
      const decision = decide(policy, person, { role: claimed.role, seconds: claimed.seconds });
      if (decision.kind === 'refused') throw new Error(`requester may no longer have it: ${decision.reason.kind}`);
      grant = await this.deps.service.issue(person, decision.role, claimed.seconds, {
        approvedBy: claimed.approvals.map((a) => a.userId),
        ...(claimed.reason && { reason: claimed.reason }),
        requestId: claimed.id,
      });
      outcome = life.delivered(claimed, grant.id, grant.expiresAt);
    } catch (err) {
      outcome = life.failed(claimed, err instanceof Error ? err.message : String(err));
    }
    const final = await this.change(claimed.id, (r) => (outcome.ok && r.state === 'approved' ? { ok: true, next: { ...outcome.next, version: r.version } } : { ok: false }));
    if (!final) {
      // Withdrawn while the token was being made: the grant goes with the request.
      if (grant && (await this.deps.store.get(claimed.id))?.state === 'cancelled') await this.deps.service.end(grant, 'withdrawn');
      return;
    }
    this.deps.audit({ event: final.state === 'delivered' ? 'request.delivered' : 'request.failed', request: final.id, user: final.requester, role: final.role, grant: final.grantId, failure: final.failure });
    await notifier.updateApprovalCards(final);
    await notifier.tell(final.requester, { kind: final.state === 'delivered' ? 'your-request-delivered' : 'your-request-failed', request: final });
  }

  /**
   * The decision tried on the request as stored, with the membership in memory: what that refuses
   * (no such request, decided, expired, one's own, not an approver even by the cache) is answered
   * without the live look-up, which costs a Slack call of about 20 a minute. Only a decision this
   * lets through is checked live, and applied, by decideOn.
   */
  private async refusedOnSight(requestId: string, approverId: string, reply: Reply, step: (req: AccessRequest, approver: Person, role: RolePolicy) => Step): Promise<boolean> {
    const req = await this.deps.store.get(requestId);
    const role = req && roleByAlias(this.deps.policy, req.role);
    const result: Step = !req ? { ok: false, reason: { kind: 'no-such-request' } } : !role ? { ok: false, reason: { kind: 'role-gone', role: req.role } } : step(req, await this.deps.directory.person(approverId), role);
    if (!result.ok) await reply(result.reason);
    return !result.ok;
  }

  /** What the role allows, read from the hub now, so that approvers see what they approve; null when the hub cannot say. */
  private async allows(role: RolePolicy): Promise<RoleSummary | null> {
    const rules = await this.deps.hub.roleRules(role.clusterRole).catch(() => undefined);
    return rules ? summarizeRole(role.clusterRole, rules) : null;
  }

  /** Applies a decision with compare-and-swap; a person who lost the race is told who won. */
  private async decideOn(requestId: string, reply: Reply, step: (req: AccessRequest, role: RolePolicy) => Step): Promise<{ next: AccessRequest; role: RolePolicy } | undefined> {
    let reason: StepRefusal = { kind: 'no-such-request' };
    let role: RolePolicy | undefined;
    const next = await this.change(requestId, (req) => {
      role = roleByAlias(this.deps.policy, req.role);
      if (!role) {
        reason = { kind: 'role-gone', role: req.role };
        return { ok: false, reason };
      }
      const result = step(req, role);
      if (!result.ok) reason = result.reason;
      return result;
    });
    if (!next || !role) {
      await reply(reason);
      return undefined;
    }
    return { next, role };
  }

  /** Read, step, compare-and-swap; again on a lost race. Undefined when the step says no. */
  private async change(id: string, step: (req: AccessRequest) => Change): Promise<AccessRequest | undefined> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.deps.store.get(id);
      if (!current) return undefined;
      const result = step(current);
      if (!result.ok) return undefined;
      try {
        return await this.deps.store.update(current, result.next);
      } catch (err) {
        if (!(err instanceof StaleRequestError)) throw err;
      }
    }
    throw new Error(`request ${id} kept changing; gave up after ${CAS_ATTEMPTS} attempts`);
  }
}
