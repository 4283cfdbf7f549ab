import type { WebClient } from '@slack/web-api';
import { homeOf, homesTouched } from '../../domain/home';
import { roleByAlias, type Policy } from '../../domain/policy';
import type { AuditEvent, Clock, Directory, Hub, RequestStore } from '../../domain/ports';
import { homeView } from '../messages/app-home';

export interface HomeTabsDeps {
  client: WebClient;
  policy: Policy;
  directory: Directory;
  hub: Pick<Hub, 'grants'>;
  store: Pick<RequestStore, 'list'>;
  clock: Clock;
  /** Changes within this time are published once per person. */
  debounceMs: number;
  onError: (err: unknown, userId: string) => void;
}

/**
 * Every person's Home tab (views.publish), published when they open it and again, once per burst,
 * when a grant or request of theirs changes, or one waiting for their approval.
 */
export class HomeTabs {
  private readonly due = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: HomeTabsDeps) {}

  async publish(userId: string): Promise<void> {
    const { client, policy, directory, hub, store, clock } = this.deps;
    const [person, grants, pending] = await Promise.all([directory.person(userId), hub.grants({ userId }), store.list({ state: 'pending' })]);
    await client.views.publish({ user_id: userId, view: homeView(homeOf(policy, person, grants, pending, clock.now())) });
  }

  /** The person's Home is redrawn shortly (never in the way of the answer being sent now). */
  changed(userId: string): void {
    if (this.due.has(userId)) return;
    const timer = setTimeout(() => {
      this.due.delete(userId);
      this.publish(userId).catch((err) => this.deps.onError(err, userId));
    }, this.deps.debounceMs);
    timer.unref();
    this.due.set(userId, timer);
  }

  /** After an audited change: the Homes it touches. */
  touched(event: AuditEvent): void {
    const { userId, approversOf } = homesTouched(event);
    if (userId) this.changed(userId);
    const approval = approversOf ? roleByAlias(this.deps.policy, approversOf)?.approval : undefined;
    if (!approval) return;
    this.deps.directory.members(approval).then(
      (members) => members.forEach((m) => this.changed(m)),
      (err) => this.deps.onError(err, `approvers of ${approversOf}`),
    );
  }

  stop(): void {
    for (const timer of this.due.values()) clearTimeout(timer);
    this.due.clear();
  }
}
