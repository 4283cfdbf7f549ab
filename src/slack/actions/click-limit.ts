/**
 * Clicks on request cards per person: a few at once, then one every few seconds. Each click can
 * cost a hub read and, for an approver, a live user-group look-up (Slack allows about 20 a
 * minute, and a 429 pauses every Web API call of the bot, token deliveries included), so someone
 * clicking again and again is told to wait instead. Per replica, in memory: a bound on cost, not
 * a security boundary.
 */
export class ClickLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst = 10,
    private readonly everyMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Undefined when the click may go ahead (and is counted); else the seconds to wait. */
  take(userId: string): number | undefined {
    const now = this.now();
    const bucket = this.buckets.get(userId) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) / this.everyMs);
    bucket.at = now;
    this.forgetFull(now);
    if (bucket.tokens < 1) {
      this.buckets.set(userId, bucket);
      return Math.ceil(((1 - bucket.tokens) * this.everyMs) / 1000);
    }
    bucket.tokens -= 1;
    this.buckets.set(userId, bucket);
    return undefined;
  }

  /** People whose bucket has filled up again need no entry: the map stays as small as the clicking crowd. */
  private forgetFull(now: number): void {
    if (this.buckets.size < 1_000) return;
    for (const [user, b] of this.buckets) if (b.tokens + (now - b.at) / this.everyMs >= this.burst) this.buckets.delete(user);
  }
}
