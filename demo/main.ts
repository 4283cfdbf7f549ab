// `npm run demo`: the playground in the foreground until Ctrl-C, which stops everything.
//
// Options (environment): PORT=<n> for the page (default 4800, or a free port when taken);
// KARPOR_TEST_HUB_KUBECONFIG=<admin kubeconfig> to use a hub from `npm run hub` instead of
// starting one.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PEOPLE } from './directory';
import { startPlayground, type Playground } from './playground';
import { onLauncherGone } from '../test/hub/launcher';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s`;
const say = (line: string) => process.stdout.write(`${line}\n`);
const progress = (line: string) => say(`${elapsed()}  ${line}`);

const names = new Map(PEOPLE.map((p) => [p.id, p.handle]));

/** One short line per audit event of the bot: what an operator would see in their log pipeline. */
function auditLine(raw: string): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (entry.audit === true) {
    const skip = new Set(['level', 'time', 'app', 'audit', 'event', 'msg', 'serviceAccount', 'expires']);
    const fields = Object.entries(entry)
      .filter(([k, v]) => !skip.has(k) && v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'string' && names.has(v) ? `@${names.get(v)}` : String(v)}`);
    return `audit  ${String(entry.event)}  ${fields.join(' ')}`;
  }
  if (entry.level === 'warn' || entry.level === 'error' || entry.level === 'fatal') return `bot ${String(entry.level)}: ${String(entry.msg)}`;
  return undefined;
}

async function main(): Promise<void> {
  say('Karpor token bot playground: the real bot, a local Karpor hub, and a page that stands in for Slack.');
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'karpor-playground-'));
  const logFile = path.join(logDir, 'bot.log');
  const logStream = fs.createWriteStream(logFile, { mode: 0o600 });
  let playground: Playground | undefined;
  let stopping = false;

  const shutdown = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`\n${why}: stopping the bot, the page and the hub…`);
    try {
      await playground?.stop();
    } finally {
      logStream.end();
      say('Stopped.');
      process.exit(0);
    }
  };
  let firstInterrupt = 0;
  process.on('SIGINT', () => {
    // One Ctrl-C arrives up to three times (from the terminal, npm and tsx); a second one a
    // moment later leaves at once, and the hub's watchdog stops it when this process is gone.
    if (firstInterrupt && Date.now() - firstInterrupt > 1000) process.exit(130);
    firstInterrupt ||= Date.now();
    void shutdown('Ctrl-C');
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  onLauncherGone(() => void shutdown('launcher exited'));

  const port = process.env.PORT ? Number(process.env.PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const reuse = process.env.KARPOR_TEST_HUB_KUBECONFIG || undefined;
  if (reuse) progress(`Using the hub of ${reuse}`);

  playground = await startPlayground({
    ...(reuse && { hubKubeconfig: reuse }),
    ...(port !== undefined && { port }),
    progress,
    onLog: (line) => {
      logStream.write(line.endsWith('\n') ? line : `${line}\n`);
      const short = auditLine(line);
      if (short) say(`${elapsed()}  ${short}`);
    },
  });
  if (stopping) return;

  say('');
  say(`  Open ${playground.url} in your browser.`);
  say('');
  say(`  Hub (kube-apiserver with Karpor's roles): ${playground.hubServer}, namespace ${playground.namespace}`);
  say(`  Bot log: ${logFile}`);
  say('  Ctrl-C stops everything' + (playground.ownsHub ? ', the hub too.' : '; the reused hub keeps running.'));
  say('');
}

main().catch((err: unknown) => {
  process.stderr.write(`The playground could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
