// `npm run hub`: a local test hub in the foreground until Ctrl-C / SIGTERM.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureHubBinaries, startHub, RunningHub } from './harness';
import { onLauncherGone } from './launcher';

const repoRoot = path.resolve(__dirname, '..', '..');
const kubeconfigOut = path.join(repoRoot, '.hub', 'admin.kubeconfig');
// Beside it, as global-setup expects: the Karpor-like kubeconfig with a client certificate.
const certKubeconfigOut = path.join(repoRoot, '.hub', 'karpor.kubeconfig');

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
      fs.rmSync(certKubeconfigOut, { force: true });
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
  for (const [from, to] of [[hub.kubeconfigPath, kubeconfigOut], [hub.certKubeconfigPath, certKubeconfigOut]] as const) {
    fs.copyFileSync(from, to);
    fs.chmodSync(to, 0o600);
  }

  console.log(`server:     ${hub.server}`);
  console.log(`kubeconfig: ${kubeconfigOut} (bearer token), ${certKubeconfigOut} (client certificate, like Karpor's)`);
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
