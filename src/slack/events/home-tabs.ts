import type { WebClient } from '@slack/web-api';
import { homeOf, homesTouched } from '../../domain/home';
import { roleByAlias, type Policy } from '../../domain/policy';
import type { AuditEvent, Clock, Directory, Hub, RequestStore } from '../../domain/ports';
import { homeView } from '../messages/app-home';
import type { PeopleWords } from '../text/words';

export interface HomeTabsDeps {
  client: WebClient;
  policy: Policy;
  directory: Directory;
  hub: Pick<Hub, 'grants'>;
  store: Pick<RequestStore, 'list'>;
  clock: Clock;
  /** Each Home is in its person's language. */
  words: PeopleWords;
  /** Changes within this time are published once per person. */
  debounceMs: number;
  onError: (err: unknown, userId: string) => void;
}

/** Homes opened within this time are kept current; others are drawn afresh when next opened. */
const FOLLOW_MS = 24 * 3600_000;
/** At most this many people followed at once (the longest unopened are dropped first). */
const MAX_FOLLOWED = 10_000;

/**
 * Every person's Home tab (views.publish), published when they open it and again, once per burst,
 * when a grant or request of theirs changes, or one waiting for their approval. Only Homes opened
 * lately are redrawn (nobody else would see it), so a token costs no extra Slack call for the
 * many who never look; each replica follows the Homes opened through it.
 */
export class HomeTabs {
  private readonly due = new Map<string, NodeJS.Timeout>();
  private readonly opened = new Map<string, number>();

  constructor(private readonly deps: HomeTabsDeps) {}

  /** The person opened their Home: drawn now, and followed from here on. */
  async open(userId: string): Promise<void> {
    this.opened.delete(userId);
    this.opened.set(userId, this.deps.clock.now().getTime());
    if (this.opened.size > MAX_FOLLOWED) this.opened.delete(this.opened.keys().next().value!);
    await this.publish(userId);
  }

  async publish(userId: string): Promise<void> {
    const { client, policy, directory, hub, store, clock, words } = this.deps;
    const [person, grants, pending, w] = await Promise.all([directory.person(userId), hub.grants({ userId }), store.list({ state: 'pending' }), words.of(userId)]);
    await client.views.publish({ user_id: userId, view: homeView(homeOf(policy, person, grants, pending, clock.now()), w) });
  }

  /** The person's Home is redrawn shortly (never in the way of the answer being sent now). */
  changed(userId: string): void {
    const openedAt = this.opened.get(userId);
    if (openedAt === undefined || this.due.has(userId)) return;
    if (this.deps.clock.now().getTime() - openedAt > FOLLOW_MS) return void this.opened.delete(userId);
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
    if (!approval || this.opened.size === 0) return;
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
