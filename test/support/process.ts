import { spawn } from 'node:child_process';

export interface Watched {
  pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The first match of `pattern` in the output; rejects when the process exits or time runs out first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Sends `signal`; nothing once the process has exited. */
  kill(signal: NodeJS.Signals): void;
}

/** Runs one of the project's entry points as its own process, its output collected (tests of `npm run …`). */
export function runWatched(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Watched {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve((code = c))));
  return {
    pid: child.pid!,
    output: () => output,
    exited,
    kill: (signal) => void (code === undefined && child.kill(signal)),
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          const match = pattern.exec(output);
          const failure = match ? undefined : code !== undefined ? `exited (${code})` : Date.now() - started > timeoutMs ? `printed nothing like it within ${timeoutMs} ms` : undefined;
          if (!match && !failure) return;
          clearInterval(poll);
          if (match) resolve(match);
          else reject(new Error(`waiting for ${pattern}, the process ${failure}; it printed:\n${output}`));
        }, 50);
      }),
  };
}
