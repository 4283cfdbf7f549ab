import type { WebClient } from '@slack/web-api';
import { DirectoryUnavailableError } from '../domain/errors';
import type { Membership as SeenMembership } from '../domain/entitlement';
import type { Directory } from '../domain/ports';
import type { Audience, Person, Policy } from '../domain/policy';

export interface DirectoryOptions {
  /** How often membership is fetched again in the background. */
  refreshMs: number;
  /** How long the last good membership may be used while Slack fails; then fail closed. */
  staleLimitMs: number;
  now?: () => number;
  /** Told whether each look-up was answered from the cache. */
  onLookup?: (result: 'hit' | 'refresh' | 'unavailable') => void;
  /** Called with the membership after each successful look-up (never after a failed one). */
  onRefreshed?: (membership: SeenMembership) => void;
}

type Membership = Map<string, Set<string>>;

/**
 * Slack user-group membership by user ID. One `usergroups.list` (with users) fetches the whole
 * picture, so the cost is one call per refresh, never per request: those methods allow about 20
 * calls a minute. Policies that name no groups never call Slack for groups at all.
 */
export class SlackDirectory implements Directory {
  private membership?: { byUser: Membership; at: number };
  private readonly groupIds = new Map<string, string>();
  private refreshing?: Promise<void>;
  private next?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private readonly now: () => number;
  readonly usesGroups: boolean;

  constructor(
    private readonly client: WebClient,
    policy: Policy,
    private readonly options: DirectoryOptions,
    private readonly onError: (err: unknown) => void,
  ) {
    this.now = options.now ?? Date.now;
    this.usesGroups = [...policy.roles.flatMap((r) => [r.allowed, ...(r.approval ? [r.approval] : [])]), policy.revokers].some((a) => a.groups.length > 0);
  }

  /** First load, then background refresh. Throws when the workspace has no user groups. */
  async start(): Promise<void> {
    if (!this.usesGroups) return;
    try {
      await this.refresh();
    } catch (err) {
      if (isPlanUpgradeRequired(err)) {
        throw new Error('This Slack workspace has no user groups (a paid-plan feature), but the policy names groups. Name people by Slack user ID in the policy\'s `users:` lists instead.');
      }
      this.onError(err);
    }
    this.timer = setInterval(() => void this.refresh().catch(this.onError), this.options.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get ready(): boolean {
    return !this.usesGroups || this.fresh();
  }

  async person(userId: string): Promise<Person> {
    if (!this.usesGroups) return { userId, groups: new Set() };
    const hit = this.fresh();
    if (!hit) await this.refresh().catch(this.onError);
    if (!this.fresh()) {
      this.options.onLookup?.('unavailable');
      throw new DirectoryUnavailableError('user-group membership is unknown or too old');
    }
    this.options.onLookup?.(hit ? 'hit' : 'refresh');
    return { userId, groups: this.membership!.byUser.get(userId) ?? new Set() };
  }

  async personLive(userId: string): Promise<Person> {
    if (!this.usesGroups) return { userId, groups: new Set() };
    try {
      await this.refresh(true);
    } catch (err) {
      this.onError(err);
      throw new DirectoryUnavailableError('live user-group check failed');
    }
    return { userId, groups: this.membership!.byUser.get(userId) ?? new Set() };
  }

  async members(audience: Audience): Promise<string[]> {
    const found = new Set(audience.users);
    if (audience.groups.length > 0) {
      if (!this.fresh()) await this.refresh().catch(this.onError);
      for (const [user, groups] of this.membership?.byUser ?? []) {
        if (audience.groups.some((g) => groups.has(g))) found.add(user);
      }
    }
    return [...found];
  }

  /** The ID of the group with this handle, as the last look-up saw it. */
  groupId(handle: string): string | undefined {
    return this.groupIds.get(handle);
  }

  private fresh(): boolean {
    return this.membership !== undefined && this.now() - this.membership.at <= this.options.staleLimitMs;
  }

  /**
   * One fetch at a time. `force` (a live look-up) waits for a fetch that starts after the call:
   * the next one, shared by every live look-up that arrives while the current fetch runs, so a
   * burst of clicks costs two calls at most, not one each.
   */
  private refresh(force = false): Promise<void> {
    if (!this.refreshing) return this.startFetch();
    if (!force) return this.refreshing;
    this.next ??= this.refreshing
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.refreshing ?? this.startFetch();
      });
    return this.next;
  }

  private startFetch(): Promise<void> {
    const tracked = this.fetch().finally(() => {
      if (this.refreshing === tracked) this.refreshing = undefined;
    });
    this.refreshing = tracked;
    return tracked;
  }

  private async fetch(): Promise<void> {
    const answer = await this.client.usergroups.list({ include_users: true });
    const byUser: Membership = new Map();
    for (const group of answer.usergroups ?? []) {
      for (const user of group.users ?? []) {
        let groups = byUser.get(user);
        if (!groups) byUser.set(user, (groups = new Set()));
        if (group.id) groups.add(group.id);
        if (group.handle) groups.add(group.handle);
      }
      if (group.handle && group.id) this.groupIds.set(group.handle, group.id);
    }
    this.membership = { byUser, at: this.now() };
    this.options.onRefreshed?.(byUser);
  }
}

function isPlanUpgradeRequired(err: unknown): boolean {
  return (err as { data?: { error?: string } })?.data?.error === 'plan_upgrade_required';
}
