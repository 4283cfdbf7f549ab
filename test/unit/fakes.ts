import type { BreakGlassMessage } from '../../src/domain/break-glass';
import { AccessService } from '../../src/domain/access-service';
import { Approvals } from '../../src/domain/approvals';
import type { Finding } from '../../src/domain/doctor';
import { KARPOR_DEFAULT_RULES, type RoleRule } from '../../src/domain/karpor-defaults';
import { DirectoryUnavailableError, HubError } from '../../src/domain/errors';
import type { Grant, NewGrant } from '../../src/domain/grant';
import { serviceAccountName } from '../../src/domain/identity';
import type { ApprovalPolicy, Audience, Person, Policy, RolePolicy } from '../../src/domain/policy';
import {
  StaleRequestError,
  type AuditEvent,
  type Clock,
  type Directory,
  type Hub,
  type Identity,
  type IssuedToken,
  type Notifier,
  type Reply,
  type RequestStore,
  type TokenDelivery,
  type TokenProof,
} from '../../src/domain/ports';
import type { AccessRequest, NewAccessRequest, OpenState } from '../../src/domain/request';
import { slackMarkup } from '../../src/slack/text/markup';
import { say } from '../../src/slack/text/answers';
import type { Message, Notification } from '../../src/domain/messages';

/** Lets other pending promises run, so that concurrent callers really interleave. */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class FakeClock implements Clock {
  private t: number;
  constructor(start: Date | string = '2030-01-01T12:00:00Z') {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(date: Date | string): void {
    this.t = new Date(date).getTime();
  }
}

export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** Access requests in memory, with the same compare-and-swap contract as the hub-backed store. */
export class MemoryRequestStore implements RequestStore {
  private readonly rows = new Map<string, { request: NewAccessRequest; version: number }>();
  updates = 0;
  stale = 0;

  async create(request: NewAccessRequest): Promise<AccessRequest> {
    await tick();
    if (this.rows.has(request.id)) throw new Error(`request ${request.id} exists`);
    this.rows.set(request.id, { request: strip(request), version: 1 });
    return this.read(request.id)!;
  }

  async get(id: string): Promise<AccessRequest | undefined> {
    await tick();
    return this.read(id);
  }

  async list(filter: { state?: OpenState; requester?: string }): Promise<AccessRequest[]> {
    return (await this.all()).filter(
      (r) => (r.state === 'pending' || r.state === 'approved') && (filter.state === undefined || r.state === filter.state) && (filter.requester === undefined || r.requester === filter.requester),
    );
  }

  async finished(): Promise<AccessRequest[]> {
    return (await this.all()).filter((r) => r.state !== 'pending' && r.state !== 'approved');
  }

  /** Every request in any state (for tests to look at). */
  async all(): Promise<AccessRequest[]> {
    await tick();
    return [...this.rows.keys()].map((id) => this.read(id)!);
  }

  async update(current: AccessRequest, next: AccessRequest): Promise<AccessRequest> {
    await tick();
    const row = this.rows.get(current.id);
    if (!row) throw new Error(`request ${current.id} does not exist`);
    if (next.id !== current.id) throw new Error('an update cannot change the id');
    if (current.version !== String(row.version)) {
      this.stale++;
      throw new StaleRequestError(current.id);
    }
    row.request = strip(next);
    row.version++;
    this.updates++;
    return this.read(current.id)!;
  }

  async delete(id: string): Promise<boolean> {
    await tick();
    return this.rows.delete(id);
  }

  /** Test access: the stored request as it is now, without a round trip. */
  peek(id: string): AccessRequest | undefined {
    return this.read(id);
  }

  /** Test access: puts a request in as if another replica had written it. */
  put(request: NewAccessRequest): void {
    const row = this.rows.get(request.id);
    this.rows.set(request.id, { request: strip(request), version: (row?.version ?? 0) + 1 });
  }

  private read(id: string): AccessRequest | undefined {
    const row = this.rows.get(id);
    return row && { ...structuredClone(row.request), version: String(row.version) };
  }
}

function strip(request: NewAccessRequest | AccessRequest): NewAccessRequest {
  const { version: _version, ...rest } = request as AccessRequest;
  return structuredClone(rest);
}

export interface HubCall {
  method: string;
  args: unknown[];
}

/** A hub that keeps grants in memory and hands out `fake-token-1`, `fake-token-2`, … */
export class FakeHub implements Hub {
  readonly calls: HubCall[] = [];
  readonly grantsById = new Map<string, Grant>();
  readonly issued: IssuedToken[] = [];
  readonly revoked: string[] = [];
  namespace = 'karpor';
  identityMode: Policy['identity'] = { mode: 'shared', prefix: 'karpor' };
  /** Set to make the next calls of `issue` fail. */
  failIssue: Error | undefined;
  /** What the hub answers when shown a token; accepted unless set. */
  proof: TokenProof = { accepted: true };
  private tokens = 0;
  private grantSeq = 0;

  constructor(private readonly clock: Clock) {}

  callsOf(method: string): HubCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async ensureIdentity(role: RolePolicy, userId: string): Promise<Identity> {
    this.calls.push({ method: 'ensureIdentity', args: [role.alias, userId] });
    await tick();
    return { namespace: this.namespace, serviceAccount: serviceAccountName(this.identityMode, role.alias, userId), clusterRole: role.clusterRole };
  }

  async issue(identity: Identity, grant: NewGrant, seconds: number): Promise<IssuedToken> {
    this.calls.push({ method: 'issue', args: [identity, grant, seconds] });
    await tick();
    if (this.failIssue) throw this.failIssue;
    if (grant.requestId && this.grantsById.has(grant.requestId)) throw new HubError('conflict', `grant ${grant.requestId} exists`);
    const full: Grant = {
      ...grant,
      id: grant.requestId ?? `grant${String(++this.grantSeq).padStart(5, '0')}`,
      serviceAccount: identity.serviceAccount,
      namespace: identity.namespace,
      expiresAt: new Date(grant.grantedAt.getTime() + seconds * 1000),
    };
    this.grantsById.set(full.id, full);
    const issued = { grant: structuredClone(full), token: this.nextToken() };
    this.issued.push(issued);
    return issued;
  }

  async reissue(grant: Grant, identity: Identity): Promise<IssuedToken> {
    this.calls.push({ method: 'reissue', args: [grant.id, identity] });
    await tick();
    // As the hub: at least 10 minutes, however little of the grant is left.
    const left = grant.expiresAt.getTime() - this.clock.now().getTime();
    return { grant, token: this.nextToken(), tokenExpiresAt: new Date(this.clock.now().getTime() + Math.max(600_000, left)) };
  }

  /** ClusterRoles on the hub: Karpor's presets as Karpor makes them unless changed. */
  readonly clusterRoles = new Map<string, RoleRule[]>(Object.entries(KARPOR_DEFAULT_RULES).map(([k, v]) => [k, structuredClone([...v])]));

  async roleRules(clusterRole: string): Promise<RoleRule[] | undefined> {
    this.calls.push({ method: 'roleRules', args: [clusterRole] });
    await tick();
    return this.clusterRoles.get(clusterRole);
  }

  async proveToken(token: string): Promise<TokenProof> {
    this.calls.push({ method: 'proveToken', args: [token] });
    await tick();
    return this.proof;
  }

  async grant(id: string): Promise<Grant | undefined> {
    this.calls.push({ method: 'grant', args: [id] });
    await tick();
    const found = this.grantsById.get(id);
    return found && structuredClone(found);
  }

  async grants(filter: { userId?: string }): Promise<Grant[]> {
    this.calls.push({ method: 'grants', args: [filter] });
    await tick();
    return [...this.grantsById.values()].filter((g) => filter.userId === undefined || g.userId === filter.userId).map((g) => structuredClone(g));
  }

  async revoke(grantId: string): Promise<boolean> {
    this.calls.push({ method: 'revoke', args: [grantId] });
    await tick();
    this.revoked.push(grantId);
    return this.grantsById.delete(grantId);
  }

  async confirmBreakGlass(grant: Grant, by: string): Promise<boolean> {
    this.calls.push({ method: 'confirmBreakGlass', args: [grant.id, by] });
    await tick();
    const stored = this.grantsById.get(grant.id);
    if (!stored?.breakGlass || stored.breakGlass.confirmedBy) return false;
    stored.breakGlass = { ...stored.breakGlass, confirmedBy: by };
    return true;
  }

  async markReminded(grant: Grant, at: Date): Promise<boolean> {
    this.calls.push({ method: 'markReminded', args: [grant.id, at] });
    await tick();
    const stored = this.grantsById.get(grant.id);
    if (!stored || stored.remindedAt) return false;
    stored.remindedAt = at;
    return true;
  }

  /** Test access: a grant that exists on the hub already. */
  add(grant: Partial<Grant> & Pick<Grant, 'id' | 'userId' | 'role'>): Grant {
    const now = this.clock.now();
    const full: Grant = { serviceAccount: `karpor-${grant.role}`, namespace: this.namespace, grantedAt: now, expiresAt: new Date(now.getTime() + HOUR), ...grant };
    this.grantsById.set(full.id, full);
    return full;
  }

  private nextToken(): string {
    return `fake-token-${++this.tokens}`;
  }
}

/** Records what would have reached people. */
export class RecordingNotifier implements Notifier {
  readonly deliveries: TokenDelivery[] = [];
  readonly told: Array<{ userId: string; text: string }> = [];
  readonly posted: Array<{ request: AccessRequest; approvers: string[] }> = [];
  readonly redrawn: AccessRequest[] = [];
  readonly reminded: Grant[] = [];
  /** Set to make token delivery fail (a DM refused, Slack down). */
  failDelivery: Error | undefined;
  /** Set to make the DM impossible to open. */
  unreachable: Error | undefined;
  private cardSeq = 0;

  async reachable(_userId: string): Promise<void> {
    await tick();
    if (this.unreachable) throw this.unreachable;
  }

  async deliverToken(delivery: TokenDelivery): Promise<void> {
    await tick();
    if (this.failDelivery) throw this.failDelivery;
    this.deliveries.push(delivery);
  }

  /** Worded as Slack shows it. */
  async tell(userId: string, message: Notification | BreakGlassMessage): Promise<void> {
    await tick();
    this.told.push({ userId, text: say(message) });
  }

  async remindExpiry(grant: Grant): Promise<void> {
    await tick();
    this.reminded.push(grant);
  }

  async postApprovalCards(request: AccessRequest, approvers: string[]): Promise<AccessRequest['cards']> {
    await tick();
    this.posted.push({ request, approvers });
    return approvers.map((u) => ({ channel: `D-${u}`, ts: `1700000000.${String(++this.cardSeq).padStart(6, '0')}` }));
  }

  readonly breakGlass: Array<{ grant: Grant; confirmers: string[] }> = [];

  async announceBreakGlass(grant: Grant, confirmers: string[]): Promise<void> {
    await tick();
    this.breakGlass.push({ grant, confirmers });
  }

  async updateApprovalCards(request: AccessRequest): Promise<void> {
    await tick();
    this.redrawn.push(request);
  }

  toldTo(userId: string): string[] {
    return this.told.filter((t) => t.userId === userId).map((t) => t.text);
  }
}

/** Group membership from a map of user ID → group IDs/handles. */
export class MapDirectory implements Directory {
  unavailable = false;
  liveLookups = 0;

  constructor(readonly groupsOf: Record<string, string[]>) {}

  async person(userId: string): Promise<Person> {
    await tick();
    if (this.unavailable) throw new DirectoryUnavailableError('usergroups.list failed');
    return { userId, groups: new Set(this.groupsOf[userId] ?? []) };
  }

  async personLive(userId: string): Promise<Person> {
    this.liveLookups++;
    return this.person(userId);
  }

  async members(audience: Audience): Promise<string[]> {
    await tick();
    const inGroups = Object.entries(this.groupsOf)
      .filter(([, groups]) => groups.some((g) => audience.groups.includes(g)))
      .map(([userId]) => userId);
    return [...new Set([...audience.users, ...inGroups])];
  }
}

export function person(userId: string, ...groups: string[]): Person {
  return { userId, groups: new Set(groups) };
}

export function approvalPolicy(overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy {
  return { groups: ['approvers'], users: [], count: 1, timeoutSeconds: 1800, reasonRequired: true, ...overrides };
}

export function rolePolicy(alias: string, overrides: Partial<RolePolicy> = {}): RolePolicy {
  return {
    alias,
    clusterRole: `karpor-${alias}`,
    allowed: { groups: ['engineers'], users: [] },
    defaultSeconds: 3600,
    maxSeconds: 8 * 3600,
    approval: null,
    ...overrides,
  };
}

/** People in the tests. */
export const U = {
  eng: 'UENG001',
  eng2: 'UENG002',
  plat: 'UPLAT01',
  appr1: 'UAPPR01',
  appr2: 'UAPPR02',
  admin: 'UADMIN1',
  outsider: 'UOUT001',
  vip: 'UVIP001',
} as const;

/** guest for engineers; admin for platform with one approval; audit for platform with two. */
export function samplePolicy(overrides: Partial<Policy> = {}): Policy {
  return {
    identity: { mode: 'shared', prefix: 'karpor' },
    revokers: { groups: ['karpor-admins'], users: [] },
    roles: [
      rolePolicy('guest', { defaultSeconds: 3600, maxSeconds: 8 * 3600, allowed: { groups: ['engineers'], users: [U.vip] } }),
      rolePolicy('admin', { defaultSeconds: 3600, maxSeconds: 4 * 3600, allowed: { groups: ['platform'], users: [] }, approval: approvalPolicy({ groups: ['approvers'], count: 1 }) }),
      rolePolicy('audit', { defaultSeconds: 3600, maxSeconds: 4 * 3600, allowed: { groups: ['platform'], users: [] }, approval: approvalPolicy({ groups: ['approvers'], count: 2, reasonRequired: false }) }),
    ],
    ...overrides,
  };
}

export const sampleGroups: Record<string, string[]> = {
  [U.eng]: ['engineers'],
  [U.eng2]: ['engineers'],
  [U.plat]: ['engineers', 'platform'],
  [U.appr1]: ['approvers'],
  [U.appr2]: ['approvers'],
  [U.admin]: ['karpor-admins'],
  [U.outsider]: [],
  [U.vip]: [],
};

/** The answers given, as the domain decided them (`all`) and as Slack words them (`texts`). */
export class Replies {
  readonly all: Message[] = [];
  readonly reply: Reply = async (message) => {
    this.all.push(message);
  };
  get texts(): string[] {
    return this.all.map((m) => (m.kind === 'request-pending' ? `[${m.kind}]` : say(m)));
  }
  get last(): Message | undefined {
    return this.all[this.all.length - 1];
  }
  lastText(): string {
    const last = this.last;
    if (!last || last.kind === 'request-pending') throw new Error(`the last reply is not text: ${JSON.stringify(last)}`);
    return say(last);
  }
}

export interface World {
  clock: FakeClock;
  hub: FakeHub;
  notifier: RecordingNotifier;
  directory: MapDirectory;
  store: MemoryRequestStore;
  policy: Policy;
  audits: AuditEvent[];
  errors: Array<{ obj: object; msg: string }>;
  service: AccessService;
  approvals: Approvals;
  /** Another replica over the same store, hub and Slack. */
  replica(instance: string): Approvals;
}

export function world(opts: { policy?: Policy; groups?: Record<string, string[]>; dashboardUrl?: string; instance?: string; checkUp?: () => Promise<Finding[]> } = {}): World {
  const clock = new FakeClock();
  const hub = new FakeHub(clock);
  const notifier = new RecordingNotifier();
  const directory = new MapDirectory(structuredClone(opts.groups ?? sampleGroups));
  const store = new MemoryRequestStore();
  const policy = opts.policy ?? samplePolicy();
  const audits: AuditEvent[] = [];
  const errors: Array<{ obj: object; msg: string }> = [];
  let refs = 0;
  let ids = 0;
  const service = new AccessService({
    policy,
    directory,
    hub,
    notifier,
    clock,
    audit: (e) => void audits.push(e),
    newRef: () => `ref-${++refs}`,
    markup: slackMarkup,
    pendingRequests: (userId) => store.list({ requester: userId, state: 'pending' }),
    withdrawRequests: (userId, by): Promise<number> => approvals.withdraw(userId, by),
    ...(opts.dashboardUrl && { dashboardUrl: opts.dashboardUrl }),
    ...(opts.checkUp && { checkUp: opts.checkUp }),
    log: { error: (obj, msg) => void errors.push({ obj, msg }) },
  });
  const approvalsFor = (instance: string): Approvals =>
    new Approvals({ policy, directory, store, hub, notifier, service, clock, audit: (e) => void audits.push(e), newId: () => `req${String(++ids).padStart(7, '0')}`, instance });
  const approvals = approvalsFor(opts.instance ?? 'replica-a');
  return { clock, hub, notifier, directory, store, policy, audits, errors, service, approvals, replica: approvalsFor };
}
