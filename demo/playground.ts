// The whole bot, locally, without a Slack workspace or a Karpor install: a local hub (the test
// hub: kube-apiserver + etcd seeded with Karpor's roles), the real bot with its least-privilege
// identity from the setup step (src/setup), and a web page that stands in for Slack.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { compose, type KarporTokenBot } from '../src/compose';
import type { Settings } from '../src/config/env';
import { policyFrom } from '../src/config/policy-file';
import { createLog } from '../src/log';
import { startFakeSlack, type FakeSlack } from '../test/fakes/slack-api';
import { ensureHubBinaries, hubBinDir, startHub, type RunningHub } from '../test/hub/harness';
import { botIdentity } from '../test/support/bot';
import { createNamespace } from '../test/support/hub';
import { GROUPS, PEOPLE, playgroundPolicy } from './directory';
import { startPageServer, type PageServer } from './server';
import { Workspace } from './workspace';

export const DEFAULT_PORT = 4800;

export interface PlaygroundOptions {
  /** Admin kubeconfig of a hub that is already running; without it a hub is started (and built if needed). */
  hubKubeconfig?: string;
  /** The page's port on 127.0.0.1; by default 4800, or any free port when that is taken. 0: any. */
  port?: number;
  /** The bot's namespace on the hub (HUB_NAMESPACE). */
  namespace?: string;
  /** The policy's identity prefix: names of the ServiceAccounts the bot issues tokens for. */
  prefix?: string;
  /** Progress lines for a person waiting: hub build, hub start, bot start. */
  progress?: (line: string) => void;
  /** Every log line of the bot (JSON, already scrubbed of anything shaped like a token). */
  onLog?: (line: string) => void;
  logLevel?: Settings['logLevel'];
}

export interface Playground {
  /** The page: http://127.0.0.1:PORT/ */
  url: string;
  hubServer: string;
  namespace: string;
  /** Whether this playground started the hub (and stops it). */
  ownsHub: boolean;
  bot: KarporTokenBot;
  slack: FakeSlack;
  workspace: Workspace;
  stop(): Promise<void>;
}

function serverOf(kubeconfigPath: string): string {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`no current cluster in ${kubeconfigPath}`);
  return server;
}

function hubBinariesPresent(): boolean {
  return ['kube-apiserver', 'etcd', 'kubectl'].every((b) => fs.existsSync(path.join(hubBinDir(), b)));
}

/** Whether a namespace exists already: a playground on a reused hub starts again where it was. */
async function ensureNamespace(name: string): Promise<void> {
  try {
    await createNamespace(name);
  } catch (err) {
    if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
  }
}

export async function startPlayground(opts: PlaygroundOptions = {}): Promise<Playground> {
  const progress = opts.progress ?? (() => undefined);
  const namespace = opts.namespace ?? 'karpor-playground';
  const prefix = opts.prefix ?? 'playground';
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    cleanups.length = 0;
  };

  try {
    let hub: RunningHub | undefined;
    let kubeconfig = opts.hubKubeconfig;
    if (!kubeconfig) {
      progress('Checking the hub binaries (kube-apiserver, etcd, kubectl)');
      if (!hubBinariesPresent() && spawnSync('go', ['version']).status !== 0) {
        throw new Error(`The hub binaries are not in ${hubBinDir()} yet, and building them (once) needs the Go toolchain on PATH; see test/hub/build.sh.`);
      }
      const binDir = await ensureHubBinaries((line) => progress(`  ${line}`));
      const shown = path.relative(process.cwd(), binDir);
      progress(`Hub binaries ready in ${shown && !shown.startsWith('..') ? shown : binDir}`);
      progress('Starting the local Karpor hub (etcd + kube-apiserver with Karpor\'s roles)');
      const started = await startHub({ log: (line) => progress(`  ${line}`) });
      hub = started;
      cleanups.push(() => started.stop());
      kubeconfig = started.kubeconfigPath;
    }
    const hubServer = serverOf(kubeconfig);
    // The hub helpers shared with the tests find the hub through these.
    process.env.KARPOR_TEST_HUB_KUBECONFIG = kubeconfig;
    process.env.KARPOR_TEST_HUB_SERVER = hubServer;

    progress(`Giving the bot its identity on the hub (the setup step), home namespace ${namespace}`);
    await ensureNamespace(namespace);
    const botKubeconfig = await botIdentity(namespace, playgroundPolicy(prefix));
    cleanups.push(() => fs.rmSync(path.dirname(botKubeconfig), { recursive: true, force: true }));
    // botIdentity's token lasts an hour; the bot renews it itself (in memory) before it ends.
    progress('Starting the bot and the page');
    const botToken = `xoxb-playground-${randomBytes(12).toString('hex')}`;
    const signingSecret = randomBytes(24).toString('hex');
    const slack = await startFakeSlack({
      botToken,
      users: PEOPLE.map((p) => ({ id: p.id, name: p.handle, realName: p.name })),
      usergroups: GROUPS.map((g) => ({ id: g.id, handle: g.handle, name: g.name, users: g.users })),
    });
    cleanups.push(() => slack.stop());
    const workspace = new Workspace(slack);
    const policyInput = playgroundPolicy(prefix);
    let botEventsUrl = '';
    const page: PageServer = await startPageServer({
      slack,
      workspace,
      botEventsUrl: () => botEventsUrl,
      signingSecret,
      hubServer,
      policy: policyInput,
      port: opts.port ?? DEFAULT_PORT,
      portFallback: opts.port === undefined,
    });
    cleanups.push(() => page.stop());

    const settings: Settings = {
      slack: { botToken, mode: 'http', signingSecret, apiUrl: page.apiUrl },
      hub: { source: { kind: 'kubeconfig', path: botKubeconfig }, namespace, timeoutMs: 10_000 },
      policyFile: '(playground)',
      port: 0,
      host: '127.0.0.1',
      logLevel: opts.logLevel ?? 'info',
    };
    const onLog = opts.onLog ?? (() => undefined);
    const log = createLog(settings.logLevel, { write: (line: string) => void onLog(line) });
    const bot = compose(settings, policyFrom(policyInput), log);
    const botPort = await bot.start();
    cleanups.push(() => bot.stop());
    botEventsUrl = `http://127.0.0.1:${botPort}/slack/events`;

    let stopped: Promise<void> | undefined;
    return {
      url: page.url,
      hubServer,
      namespace,
      ownsHub: hub !== undefined,
      bot,
      slack,
      workspace,
      stop: () => (stopped ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
