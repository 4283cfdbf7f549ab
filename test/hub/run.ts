// `npm run hub`: a local test hub in the foreground until Ctrl-C / SIGTERM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureHubBinaries, startHub, RunningHub } from './harness';

const repoRoot = path.resolve(__dirname, '..', '..');
const kubeconfigOut = path.join(repoRoot, '.hub', 'admin.kubeconfig');

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

// npm runs the script as `sh -c "tsx test/hub/run.ts"`, and tsx runs this file in a child node.
// A SIGTERM sent to npm alone kills that sh and npm exits, leaving tsx and this process running
// with nobody to stop them; so stop when this process or its parent gets re-parented.
function onLauncherGone(cb: () => void): void {
  const watched = [process.pid, process.ppid].map((pid) => ({ pid, parent: parentOf(pid) }));
  if (watched.some((w) => w.parent === undefined)) return; // no /proc
  setInterval(() => {
    if (watched.some((w) => parentOf(w.pid) !== w.parent)) cb();
  }, 1000).unref();
}

async function main(): Promise<void> {
  const log = (s: string): void => console.error(`[hub] ${s}`);
  let hub: RunningHub | undefined;
  let stopping = false;

  const shutdown = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${why}: stopping`);
    try {
      await hub?.stop();
    } finally {
      fs.rmSync(kubeconfigOut, { force: true });
      log('stopped');
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  onLauncherGone(() => void shutdown('launcher exited'));

  await ensureHubBinaries((s) => log(s));
  if (stopping) return;
  hub = await startHub({ log });
  if (stopping) {
    await hub.stop();
    return;
  }

  fs.mkdirSync(path.dirname(kubeconfigOut), { recursive: true });
  fs.copyFileSync(hub.kubeconfigPath, kubeconfigOut);
  fs.chmodSync(kubeconfigOut, 0o600);

  console.log(`server:     ${hub.server}`);
  console.log(`kubeconfig: ${kubeconfigOut}`);
  console.log('');
  console.log(`  export KARPOR_TEST_HUB_KUBECONFIG=${kubeconfigOut} KARPOR_TEST_HUB_SERVER=${hub.server}`);
  console.log(`  kubectl --kubeconfig ${kubeconfigOut} get clusterroles karpor-admin karpor-guest`);
  console.log('');
  log('running; Ctrl-C stops it');
  // Keeps the event loop alive until a signal arrives.
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
