// The floor in a process of its own, as the bot is. The test hub's front runs in the load
// generator's process: a floor there would reach it, and the fake Slack, without a switch from
// one process to another, which every call of the bot's pays for (about 0.5 ms a hub call here).
import { fork, type ChildProcess } from 'node:child_process';
import { Floor } from './floor';

type Question = { do: 'token'; user: string; bound: boolean } | { do: 'steps' };
type Ask = Question & { id: number };
type Answer = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };

export class FloorProcess {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (answer: Answer) => {
      const w = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (answer.ok) w?.resolve(answer.value);
      else w?.reject(new Error(answer.error));
    });
    child.on('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the floor's process ended (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  /** Forks this file (with the load generator's own loader flags, so TypeScript runs as it does here). */
  static start(...args: ConstructorParameters<typeof Floor>): FloorProcess {
    const child = fork(__filename, [], { env: { ...process.env, BENCH_FLOOR_ARGS: JSON.stringify(args) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new FloorProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** One token, delivered: resolves when Slack has answered the postEphemeral. */
  async token(userId: string, bound = false): Promise<void> {
    await this.ask({ do: 'token', user: userId, bound });
  }

  takeSteps(): Promise<ReturnType<Floor['takeSteps']>> {
    return this.ask({ do: 'steps' }) as Promise<ReturnType<Floor['takeSteps']>>;
  }

  close(): void {
    this.child.kill();
  }

  private ask(what: Question): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...what, id });
    });
  }
}

if (process.env.BENCH_FLOOR_ARGS && process.send) {
  const floor = new Floor(...(JSON.parse(process.env.BENCH_FLOOR_ARGS) as ConstructorParameters<typeof Floor>));
  const answer = (a: Answer) => process.send!(a);
  process.on('message', (ask: Ask) => {
    if (ask.do === 'steps') return answer({ id: ask.id, ok: true, value: floor.takeSteps() });
    floor.token(ask.user, ask.bound).then(
      () => answer({ id: ask.id, ok: true }),
      (err: Error) => answer({ id: ask.id, ok: false, error: err.message }),
    );
  });
  process.on('disconnect', () => {
    floor.close();
    process.exit(0);
  });
}
