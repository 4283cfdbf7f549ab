// The bot the production way: `npm run build`, then `node <flags> dist/main.js` as `npm start`
// runs it, configured by env only.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

export async function buildBot(root: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm run build failed:\n${out.trim()}`))));
  });
}

/** The node flags `npm start` (and the image) runs the bot with. */
export function productionNodeFlags(root: string): string {
  const start = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = /^node ((?:--\S+ )*)dist\/main\.js$/.exec(start);
  if (!flags) throw new Error(`package.json's start script is not "node [flags] dist/main.js": ${start}`);
  return flags[1]!.trim();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function getStatus(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** The bot's own /metrics: mean duration (ms) and count of its hub and Slack calls, by operation. */
export async function botTimings(port: number): Promise<Record<string, { count: number; sumMs: number }> | undefined> {
  let text: string;
  try {
    const res = await getStatus(`http://127.0.0.1:${port}/metrics`);
    if (res.status !== 200) return undefined;
    text = res.body;
  } catch {
    return undefined;
  }
  const out: Record<string, { count: number; sumMs: number }> = {};
  for (const line of text.split('\n')) {
    // prom-client resets its event-loop histogram at every collection: these cover the span since the last scrape.
    const lag = /^nodejs_eventloop_lag_(p50|p99|max)_seconds (\S+)$/.exec(line);
    if (lag) out[`event loop lag ${lag[1]}`] = { count: 1, sumMs: Number(lag[2]) * 1000 };
    const m = /^karpor_token_bot_(hub|slack)_request_duration_seconds_(sum|count)\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[3]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const key = `${m[1]} ${labels.op ?? labels.method ?? '?'} ${labels.outcome ?? ''}`.trim();
    const entry = (out[key] ??= { count: 0, sumMs: 0 });
    if (m[2] === 'count') entry.count += Number(m[4]);
    else entry.sumMs += Number(m[4]) * 1000;
  }
  return out;
}

/** Memory gauges from the bot's own /metrics (prom-client defaults), in MB. */
export async function botMemory(port: number): Promise<Record<string, number> | undefined> {
  try {
    const res = await getStatus(`http://127.0.0.1:${port}/metrics`);
    if (res.status !== 200) return undefined;
    const out: Record<string, number> = {};
    for (const line of res.body.split('\n')) {
      const m = /^(process_resident_memory_bytes|nodejs_heap_size_total_bytes|nodejs_heap_size_used_bytes|nodejs_external_memory_bytes)(?:\{[^}]*\})? (\S+)$/.exec(line);
      if (m) out[m[1]!.replace(/_bytes$/, '_mb')] = Math.round((Number(m[2]) / 2 ** 20) * 10) / 10;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}

export interface BotProcess {
  pid: number;
  port: number;
  eventsUrl: string;
  logFile: string;
  /** Log lines at warn or above so far, by level. */
  logLevels(): Record<string, number>;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** Starts `node dist/main.js` with exactly `env` (plus PATH), in `cwd`, and waits for /readyz. */
export async function startBot(root: string, cwd: string, env: Record<string, string>, nodeArgs: string[] = [], readyTimeoutMs = 30_000): Promise<BotProcess> {
  const port = Number(env.PORT);
  const logFile = path.join(cwd, 'bot.log');
  const fd = fs.openSync(logFile, 'a');
  // cwd is a scratch directory so that a developer's .env (read by dotenv) cannot leak in.
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, path.join(root, 'dist/main.js')], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.on('error', (err) => {
      exitInfo = `spawn error: ${err.message}`;
      resolve();
    });
  });
  const logTail = (lines = 20) => {
    try {
      return fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };
  const stop = async () => {
    if (exitInfo === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + readyTimeoutMs;
  let last = '';
  for (;;) {
    if (exitInfo !== undefined) throw new Error(`the bot exited (${exitInfo}) before it was ready:\n${logTail()}`);
    try {
      const res = await getStatus(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) break;
      last = `${res.status} ${res.body}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the bot was not ready within ${readyTimeoutMs / 1000} s (last /readyz: ${last}):\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    pid: child.pid!,
    port,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    logFile,
    logLevels() {
      const counts: Record<string, number> = {};
      let text = '';
      try {
        text = fs.readFileSync(logFile, 'utf8');
      } catch {
        return counts;
      }
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        let level = 'unparsed';
        try {
          const entry = JSON.parse(line) as { level?: unknown; doctor?: unknown };
          // The check-up's findings are about the test hub (its default anonymous reads), not the bot's own errors.
          level = `${entry.doctor ? 'doctor ' : ''}${String(entry.level ?? 'unparsed')}`;
        } catch {
          // not pino: a crash trace or similar
        }
        counts[level] = (counts[level] ?? 0) + 1;
      }
      return counts;
    },
    logTail,
    stop,
  };
}
