// One test hub per jest run; workers inherit the env vars set here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ensureHubBinaries, startHub, RunningHub } from '../hub/harness';

declare global {
  var __KARPOR_TEST_HUB__: RunningHub | undefined;
}

function serverOf(kubeconfigPath: string): string {
  const cfg = parse(fs.readFileSync(kubeconfigPath, 'utf8')) as {
    'current-context'?: string;
    contexts?: { name: string; context: { cluster: string } }[];
    clusters?: { name: string; cluster: { server: string } }[];
  };
  const ctx = cfg.contexts?.find((c) => c.name === cfg['current-context']);
  const cluster = cfg.clusters?.find((c) => c.name === ctx?.context.cluster) ?? cfg.clusters?.[0];
  if (!cluster) throw new Error(`no cluster in ${kubeconfigPath}`);
  return cluster.cluster.server;
}

export default async function globalSetup(): Promise<void> {
  const existing = process.env.KARPOR_TEST_HUB_KUBECONFIG;
  if (existing) {
    // A hub started elsewhere (npm run hub): use it, never stop it.
    process.env.KARPOR_TEST_HUB_SERVER ||= serverOf(existing);
    process.env.KARPOR_TEST_HUB_CERT_KUBECONFIG ||= path.join(path.dirname(existing), 'karpor.kubeconfig');
    return;
  }
  const log = (s: string): void => {
    process.stderr.write(`[test hub] ${s}\n`);
  };
  await ensureHubBinaries(log);
  const hub = await startHub();
  globalThis.__KARPOR_TEST_HUB__ = hub;
  process.env.KARPOR_TEST_HUB_SERVER = hub.server;
  process.env.KARPOR_TEST_HUB_KUBECONFIG = hub.kubeconfigPath;
  process.env.KARPOR_TEST_HUB_CERT_KUBECONFIG = hub.certKubeconfigPath;
}
