/** Background tasks run now and then every so often, until stopped. */
export class Schedule {
  private readonly timers: NodeJS.Timeout[] = [];

  /** Runs `task` now and every `ms` after; the task reports its own failures. */
  every(ms: number, task: () => Promise<unknown>): void {
    const timer = setInterval(() => void task(), ms);
    timer.unref();
    this.timers.push(timer);
    void task();
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }
}
