// `npm run bench [-- --quick]`: the bot (built, run as `npm start` runs it) against the real test
// hub and the fake Slack, next to the floor (raw TokenRequest + one postEphemeral), the bound floor
// (the same plus the grant Secret the token is bound to and the login check that proves it) and
// `kubectl create token`.
// See bench/README.md for what is measured, how, and the options.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { PolicyInput } from '../src/config/policy-file';
import { roleNamespace } from '../src/domain/identity';
import { startFakeSlack, type FakeSlack, type FakeUserGroup } from '../test/fakes/slack-api';
import { ensureHubBinaries, startHub, type RunningHub } from '../test/hub/harness';
import { botIdentity, tokenIn } from '../test/support/bot';
import { createNamespace, uniqueName } from '../test/support/hub';
import { botMemory, botTimings, buildBot, freePort, productionNodeFlags, startBot, type BotProcess } from './lib/bot-process';
import { cdfChart } from './lib/chart';
import { dependencyRss } from './lib/deps-rss';
import type { Floor, FloorStep } from './lib/floor';
import { FloorProcess } from './lib/floor-process';
import { delta, scrape, type HubDelta, type Snapshot } from './lib/hub-metrics';
import { CommandSender, jwtClaims, runPool, SlackArrivals } from './lib/load';
import { summariseProfile, type Window } from './lib/profile';
import { cpuSeconds, hubPids, peakRssKb, resetPeakRss, rssKb, sampleRss } from './lib/procfs';
import { round, roundSummary, summarize, type Summary } from './lib/stats';
import { runScale, SCALE_FULL, SCALE_QUICK } from './scale';

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(__dirname, 'results');
const BOT_TOKEN = 'xoxb-bench-bot-token';
const SIGNING_SECRET = 'bench-signing-secret';
const PREFIX = 'bench';
const ROLE = 'guest';
const COMMAND_TEXT = `${ROLE} 1h`;
const WAIT_MS = 30_000;

const USAGE = 'usage: npm run bench -- [--quick] [--scale] [--no-build] [--profile] [--bot-node-options="<node flags>"] [--out=<name>]';
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const valueOf = (name: string) => argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
const QUICK = flag('--quick');
// The scale phase alone (`--scale`), written under `scale` in the results; the full run ends with it.
const SCALE_ONLY = flag('--scale');
const BUILD = !flag('--no-build');
const PROFILE = flag('--profile');
// Node flags for the bot process: by default those of `npm start` (and the image), as in
// production; `--bot-node-options` replaces them, to see what other flags do to RSS and latency.
const BOT_NODE_OPTIONS = (valueOf('--bot-node-options') ?? productionNodeFlags(ROOT)).split(/\s+/).filter(Boolean);
const OUT = valueOf('--out') ?? (QUICK ? 'latest-quick' : 'latest');
for (const a of argv) {
  const known = ['--quick', '--scale', '--no-build', '--profile'].includes(a) || /^--(bot-node-options|out)=/.test(a);
  if (!known || (a.startsWith('--out=') && !/^[\w.-]+$/.test(OUT))) {
    process.stderr.write(`unknown option ${a}\n${USAGE}\n`);
    process.exit(2);
  }
}

const CONFIG = QUICK
  ? { mode: 'quick', users: 20, sequential: 20, burst: 100, concurrency: 20, kubectl: 5, warmupConcurrency: 5, floorWarmup: 10, idleMs: 1000, deadlineMs: 5 * 60_000 }
  : { mode: 'full', users: 200, sequential: 200, burst: 1000, concurrency: 100, kubectl: 100, warmupConcurrency: 10, floorWarmup: 50, idleMs: 5000, deadlineMs: 60 * 60_000 };

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

// ---------------------------------------------------------------------------------------------
// Fixtures: 240 people, four groups; the load comes from the first CONFIG.users of `engineers`.

const PEOPLE = Array.from({ length: 240 }, (_, i) => `U0BENCH${String(i).padStart(3, '0')}`);
const LOAD_USERS = PEOPLE.slice(0, CONFIG.users);
const GROUPS: FakeUserGroup[] = [
  { id: 'S0BENCHENG', handle: 'engineers', users: PEOPLE },
  { id: 'S0BENCHSRE', handle: 'sre', users: PEOPLE.slice(0, 40) },
  { id: 'S0BENCHPLT', handle: 'platform', users: ['U0PLATFRM1', 'U0PLATFRM2', PEOPLE[0]!] },
  { id: 'S0BENCHAPR', handle: 'karpor-approvers', users: ['U0APPROVE1', 'U0APPROVE2'] },
];
const POLICY = {
  identity: { mode: 'shared', prefix: PREFIX },
  revokers: { groups: ['karpor-approvers'] },
  roles: {
    guest: { clusterRole: 'karpor-guest', groups: ['engineers', 'sre'], defaultDuration: '1h', maxDuration: '8h' },
    admin: { clusterRole: 'karpor-admin', groups: ['platform'], defaultDuration: '1h', maxDuration: '4h', approval: { groups: ['karpor-approvers'], timeout: '30m' } },
  },
};

// ---------------------------------------------------------------------------------------------

interface OpResult {
  ok: boolean;
  error?: string;
  /**
   * ms from the command being on the wire (the load generator's request handed to the kernel,
   * its connection made) to the slash command's HTTP answer: the bot's ack time.
   */
  ackMs?: number;
  /** The same from the load generator's send call: its own time to connect and write included. */
  ackFromSendMs?: number;
  /** ms from sending the command (or starting the operation) to the token DM being recorded. */
  dmMs?: number;
  /** When the operation started, ms since the phase began. */
  startMs?: number;
  /** ms the load generator took to hand the command to the kernel (connect included). */
  sendMs?: number;
  newConnection?: boolean;
  /** The command was sent again after the bot closed the idle connection it first took. */
  retried?: boolean;
}

interface PhaseRecord {
  name: string;
  tokens: number;
  concurrency: number;
  wallMs: number;
  tokensPerSecond: number;
  ack?: Summary;
  /** The ack timed from the load generator's send call. */
  ackFromSend?: Summary;
  /** The ack without the first `concurrency` commands, which are all sent at once, mostly on new connections. */
  ackAfterFirstWave?: Summary;
  /** ms from the first command's send call until the first wave's last command was on the wire: how fast the load generator can send. */
  firstWaveOnWireMs?: number;
  toDm: Summary;
  /** `hubOwnSecretReads`: GETs of a grant Secret by kube-apiserver's own token authenticator, left out of the counts. */
  hub: HubDelta & { perToken: number; perTokenIssuing: number; hubOwnSecretReads?: number };
  loadAverage: number[];
  /** CLOCK_MONOTONIC span of the phase, to cut the bot's CPU profile to it. */
  window: Window;
  slack?: { calls: Record<string, number>; webApiCalls: number; webApiPerToken: number; usergroupsCalls: number; responseUrlPosts: number; failed: number };
  cpuSeconds: Record<string, number>;
  loadgenEventLoopP99Ms: number;
  peakRssMb?: { hwm?: number; sampled: number };
  /** Commands sent again because the bot had closed the idle keep-alive connection they took. */
  retriedCommands: number;
  /** From the bot's own /metrics, when it has them: mean ms per hub / Slack call during the phase. */
  botReportedMeanMs?: Record<string, { calls: number; meanMs: number }>;
  /** The bot's event-loop delay during the phase, from its /metrics (prom-client). */
  botEventLoopLagMs?: Record<string, number>;
  /** The floor's own mean ms per step during the phase (the bound floor's phases). */
  floorStepMeanMs?: ReturnType<Floor['takeSteps']>;
  errors: string[];
}

interface Context {
  hub: RunningHub;
  adminToken: string;
  slack: FakeSlack;
  bot?: BotProcess;
  pids: Record<string, number | undefined>;
}

// Per-token latencies of a phase, kept beside the summaries for the chart.
const RAW = new WeakMap<PhaseRecord, { dm: number[]; ack: number[]; ops: OpResult[] }>();
function latencies(p: PhaseRecord, which: 'dm' | 'ack' = 'dm'): number[] {
  return RAW.get(p)?.[which] ?? [];
}

function webApiCount(calls: Record<string, number>): number {
  return (calls['chat.postEphemeral'] ?? 0) + (calls['chat.postMessage'] ?? 0) + (calls['conversations.open'] ?? 0);
}

/** Runs one phase and takes every figure the hub, the fake Slack and /proc can give about it. */
async function measure(ctx: Context, name: string, concurrency: number, opts: { rss?: boolean; slack?: boolean; bot?: boolean }, run: () => Promise<{ results: OpResult[]; wallMs: number }>): Promise<PhaseRecord> {
  const hubBefore: Snapshot = await scrape(ctx.hub.server, ctx.adminToken);
  const timingsBefore = opts.bot && ctx.bot ? await botTimings(ctx.bot.port) : undefined;
  const callsBefore = ctx.slack.calls.length;
  const responsesBefore = ctx.slack.responses.length;
  const cpuBefore = cpuAll(ctx);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let rss: { stop(): number } | undefined;
  let hwmReset = false;
  if (opts.rss && ctx.bot) {
    hwmReset = resetPeakRss(ctx.bot.pid);
    rss = sampleRss(ctx.bot.pid);
  }

  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const { results, wallMs } = await run();
  const window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };

  loop.disable();
  const sampled = rss?.stop();
  const hwm = opts.rss && ctx.bot && hwmReset ? peakRssKb(ctx.bot.pid) : undefined;
  const cpuAfter = cpuAll(ctx);
  const hubAfter = await scrape(ctx.hub.server, ctx.adminToken);
  const timingsAfter = timingsBefore && ctx.bot ? await botTimings(ctx.bot.port) : undefined;
  const hub = delta(hubBefore, hubAfter);
  const tokens = results.filter((r) => r.ok).length;
  const issuing = hub.total - hub.periodic;
  const errors = results.filter((r) => !r.ok).map((r) => r.error ?? 'failed');
  for (const [what, n] of Object.entries(hub.failed)) errors.push(`hub answered ${what} ×${n}`);

  const record: PhaseRecord = {
    name,
    tokens,
    concurrency,
    wallMs: round(wallMs),
    tokensPerSecond: round((tokens / wallMs) * 1000),
    toDm: roundSummary(summarize(results.filter((r) => r.ok).map((r) => r.dmMs!))),
    hub: { ...hub, perToken: round(hub.total / Math.max(1, tokens), 3), perTokenIssuing: round(issuing / Math.max(1, tokens), 3) },
    loadAverage: os.loadavg().map((x) => round(x)),
    window,
    cpuSeconds: Object.fromEntries(Object.keys(cpuAfter).map((k) => [k, round(cpuAfter[k]! - cpuBefore[k]!, 2)])),
    loadgenEventLoopP99Ms: round(loop.percentile(99) / 1e6),
    retriedCommands: results.filter((r) => r.retried).length,
    errors,
  };
  const ok = results.filter((r) => r.ok);
  const phaseStart = Math.min(...results.map((r) => r.startMs ?? Infinity));
  RAW.set(record, {
    dm: ok.map((r) => r.dmMs!),
    ack: ok.filter((r) => r.ackMs !== undefined).map((r) => r.ackMs!),
    ops: results.map((r) => ({ ...r, ...(r.startMs !== undefined && { startMs: round(r.startMs - phaseStart) }), ...(r.ackMs !== undefined && { ackMs: round(r.ackMs) }), ...(r.dmMs !== undefined && { dmMs: round(r.dmMs) }) })),
  });
  if (results.some((r) => r.ackMs !== undefined)) {
    record.ack = roundSummary(summarize(ok.map((r) => r.ackMs!)));
    record.ackFromSend = roundSummary(summarize(ok.map((r) => r.ackFromSendMs!)));
    if (concurrency > 1) {
      const byStart = [...ok].sort((a, b) => a.startMs! - b.startMs!);
      record.ackAfterFirstWave = roundSummary(summarize(byStart.slice(concurrency).map((r) => r.ackMs!)));
      const wave = byStart.slice(0, concurrency);
      record.firstWaveOnWireMs = round(Math.max(...wave.map((r) => r.startMs! + r.sendMs!)) - wave[0]!.startMs!);
    }
  }
  if (opts.slack) {
    const calls: Record<string, number> = {};
    let failed = 0;
    for (const c of ctx.slack.calls.slice(callsBefore)) {
      calls[c.method] = (calls[c.method] ?? 0) + 1;
      if (c.status !== 200 || c.error) failed++;
    }
    const webApiCalls = webApiCount(calls);
    record.slack = {
      calls,
      webApiCalls,
      webApiPerToken: round(webApiCalls / Math.max(1, tokens), 3),
      usergroupsCalls: Object.entries(calls).filter(([m]) => m.startsWith('usergroups.')).reduce((a, [, n]) => a + n, 0),
      responseUrlPosts: ctx.slack.responses.length - responsesBefore,
      failed,
    };
    if (failed > 0) errors.push(`${failed} Slack Web API calls failed`);
  }
  if (timingsBefore && timingsAfter) {
    record.botReportedMeanMs = {};
    for (const [k, v] of Object.entries(timingsAfter)) {
      if (k.startsWith('event loop lag ')) {
        (record.botEventLoopLagMs ??= {})[k.slice('event loop lag '.length)] = round(v.sumMs);
        continue;
      }
      const calls = v.count - (timingsBefore[k]?.count ?? 0);
      if (calls > 0) record.botReportedMeanMs[k] = { calls, meanMs: round((v.sumMs - (timingsBefore[k]?.sumMs ?? 0)) / calls) };
    }
    // The login check that proves each token is answered by the hub's front, after a 404 that
    // kube-apiserver leaves out of its request counts: the bot's own count of it is added.
    const loginChecks = Object.entries(record.botReportedMeanMs).filter(([k]) => k.startsWith('hub prove token')).reduce((n, [, v]) => n + v.calls, 0);
    if (loginChecks > 0) {
      const { hub } = record;
      hub.byRequest['GET /rest-api/v1/authn (login check, bot-reported)'] = loginChecks;
      hub.total += loginChecks;
      hub.perToken = round(hub.total / Math.max(1, tokens), 3);
      hub.perTokenIssuing = round((hub.total - hub.periodic) / Math.max(1, tokens), 3);
    }
  }
  leaveOutAuthenticatorReads(record);
  if (sampled !== undefined) record.peakRssMb = { sampled: round(sampled / 1024, 1), ...(hwm !== undefined && { hwm: round(hwm / 1024, 1) }) };
  log(`${name}: ${tokens} tokens in ${(wallMs / 1000).toFixed(2)} s (${record.tokensPerSecond}/s), command→DM p50 ${record.toDm.p50} ms, ${errors.length} errors`);
  return record;
}

/**
 * A login check right after its grant Secret was made can reach kube-apiserver's token
 * authenticator before its cache has the Secret; it then GETs the Secret itself, and the hub
 * counts that GET like any other. Secret GETs beyond those the bot times as its own (the floor
 * and kubectl make none) are the hub's, and are shown apart.
 */
function leaveOutAuthenticatorReads(record: PhaseRecord): void {
  const { hub, tokens } = record;
  const gets = hub.byRequest['GET secrets'] ?? 0;
  const botsOwn = Object.entries(record.botReportedMeanMs ?? {}).filter(([k]) => /^hub read (grant|request) /.test(k)).reduce((n, [, v]) => n + v.calls, 0);
  const hubsOwn = gets - botsOwn;
  if (hubsOwn <= 0) return;
  if (botsOwn > 0) hub.byRequest['GET secrets'] = botsOwn;
  else delete hub.byRequest['GET secrets'];
  hub.total -= hubsOwn;
  hub.perToken = round(hub.total / Math.max(1, tokens), 3);
  hub.perTokenIssuing = round((hub.total - hub.periodic) / Math.max(1, tokens), 3);
  hub.hubOwnSecretReads = hubsOwn;
}

function cpuAll(ctx: Context): Record<string, number> {
  const out: Record<string, number> = {};
  const self = process.cpuUsage();
  out.loadgen = (self.user + self.system) / 1e6;
  for (const [name, pid] of Object.entries(ctx.pids)) {
    if (!pid) continue;
    const cpu = cpuSeconds(pid);
    out[name] = cpu.total;
    out[`${name}System`] = cpu.system;
  }
  return out;
}

/** One slash command, followed to its end: ack, token DM, and the answer on the response_url. */
function botOp(sender: CommandSender, arrivals: SlackArrivals, namespace: string) {
  return async (user: string): Promise<OpResult> => {
    const cmd = sender.prepare(user, COMMAND_TEXT);
    const dm = arrivals.nextDm(user, WAIT_MS);
    const answered = arrivals.response(cmd.responseId, WAIT_MS);
    // Both are awaited below; until then a rejection must not count as unhandled.
    dm.catch(() => undefined);
    answered.catch(() => undefined);
    try {
      const res = await cmd.send();
      if (res.status !== 200) throw new Error(`ack HTTP ${res.status} ${res.body.slice(0, 100)}`);
      const [got, reply] = await Promise.all([dm, answered]);
      const token = tokenIn(got.message);
      if (!token) throw new Error(`DM to ${user} carries no token: ${got.message.text ?? ''}`);
      const claims = jwtClaims(token);
      if (!String(claims?.sub).startsWith(`system:serviceaccount:${namespace}:`) || !claims?.['kubernetes.io']?.secret?.name) {
        throw new Error(`token for ${user} is not a grant-bound token of ${namespace}`);
      }
      const text = String(reply.response.body?.text ?? '');
      if (!/token is in your DM/.test(text)) throw new Error(`answer to ${user}: ${text.slice(0, 160)}`);
      return { ok: true, ackMs: res.ackAt - res.writtenAt, ackFromSendMs: round(res.ackAt - res.sentAt), dmMs: got.at - res.sentAt, startMs: res.sentAt, sendMs: round(res.writtenAt - res.sentAt), newConnection: res.newConnection, ...(res.retried && { retried: true }) };
    } catch (err) {
      arrivals.forget(user, cmd.responseId);
      return { ok: false, error: (err as Error).message };
    }
  };
}

function floorOp(floor: FloorProcess, arrivals: SlackArrivals, bound = false) {
  return async (user: string): Promise<OpResult> => {
    const dm = arrivals.nextDm(user, WAIT_MS);
    dm.catch(() => undefined);
    const started = performance.now();
    try {
      await floor.token(user, bound);
      const got = await dm;
      return { ok: true, dmMs: got.at - started, startMs: started };
    } catch (err) {
      arrivals.forget(user);
      return { ok: false, error: `floor: ${(err as Error).message}` };
    }
  };
}

function exec(bin: string, argv: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, argv, { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(bin)} ${argv.slice(-6).join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

function kubectlOp(hub: RunningHub, namespace: string, serviceAccount: string, home: string) {
  const kubectl = path.join(hub.binDir, 'kubectl');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home };
  return async (): Promise<OpResult> => {
    const started = performance.now();
    try {
      const out = await exec(kubectl, ['--kubeconfig', hub.kubeconfigPath, 'create', 'token', serviceAccount, '-n', namespace, '--duration', '1h'], env);
      if (!jwtClaims(out.trim())) throw new Error('kubectl printed no token');
      return { ok: true, dmMs: performance.now() - started, startMs: started };
    } catch (err) {
      return { ok: false, error: `kubectl: ${(err as Error).message}` };
    }
  };
}

async function sequential(n: number, op: (i: number) => Promise<OpResult>): Promise<{ results: OpResult[]; wallMs: number }> {
  const results: OpResult[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) results.push(await op(i));
  return { results, wallMs: performance.now() - started };
}

async function versions(hub: RunningHub): Promise<Record<string, string>> {
  const pkg = (name: string) => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  const safe = async (p: Promise<string>) => p.then((s) => s.trim()).catch((e: Error) => `unknown (${e.message.slice(0, 80)})`);
  const kubectlJson = await safe(exec(path.join(hub.binDir, 'kubectl'), ['version', '--client', '-o', 'json']));
  let kubectl = kubectlJson;
  try {
    kubectl = (JSON.parse(kubectlJson) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion;
  } catch {
    // keep the raw text
  }
  const commit = await safe(exec('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']));
  const dirty = await safe(exec('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']));
  return {
    bot: `${(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version} (${commit}${dirty ? ', src modified' : ''})`,
    node: process.version,
    kubeApiserver: (await safe(exec(path.join(hub.binDir, 'kube-apiserver'), ['--version']))).replace(/^Kubernetes /, ''),
    kubectl,
    etcd: (await safe(exec(path.join(hub.binDir, 'etcd'), ['--version']))).split('\n')[0]!.replace(/^etcd Version:\s*/, ''),
    '@slack/bolt': pkg('@slack/bolt'),
    '@slack/web-api': pkg('@slack/web-api'),
    '@kubernetes/client-node': pkg('@kubernetes/client-node'),
  };
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memoryGb: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

// ---------------------------------------------------------------------------------------------

interface Target {
  what: string;
  target: string;
  value: string;
  met: boolean;
}

function targets(p: Record<string, PhaseRecord>, usergroupsDuringPhases: number, phaseSeconds: number): Target[] {
  const { seq, burst, floorSeq, floorBurst, boundSeq, boundBurst } = p as Record<'seq' | 'burst' | 'floorSeq' | 'floorBurst' | 'boundSeq' | 'boundBurst' | 'kubectl', PhaseRecord>;
  const rss = burst.peakRssMb?.hwm ?? burst.peakRssMb?.sampled ?? NaN;
  // A timer-driven refresh every minute at most; anything more would grow with the requests.
  const refreshBudget = 1 + Math.floor(phaseSeconds / 60);
  return [
    {
      what: `ack p99 under the burst (concurrency ${burst.concurrency})`,
      target: '< 500 ms',
      value: `${burst.ack!.p99} ms from the command on the wire (${burst.ackAfterFirstWave?.p99} ms after the first ${burst.concurrency}; from the load generator's send call ${burst.ackFromSend!.p99} ms; it takes ${burst.firstWaveOnWireMs} ms to send the first ${burst.concurrency})`,
      met: burst.ack!.p99 < 500,
    },
    { what: 'ack p99, one at a time', target: '< 20 ms', value: `${seq.ack!.p99} ms`, met: seq.ack!.p99 < 20 },
    {
      what: 'command→DM p50, sequential, vs the bound floor',
      target: '<= 1.25x bound floor',
      value: `${round(seq.toDm.p50 / boundSeq.toDm.p50)}x (${seq.toDm.p50} vs ${boundSeq.toDm.p50} ms; vs the floor ${round(seq.toDm.p50 / floorSeq.toDm.p50)}x)`,
      met: seq.toDm.p50 <= 1.25 * boundSeq.toDm.p50,
    },
    {
      what: `burst throughput vs the bound floor at concurrency ${burst.concurrency}`,
      target: '>= 0.4x bound floor',
      value: `${round(burst.tokensPerSecond / boundBurst.tokensPerSecond)}x (${burst.tokensPerSecond} vs ${boundBurst.tokensPerSecond} tokens/s; vs the floor ${round(burst.tokensPerSecond / floorBurst.tokensPerSecond)}x)`,
      met: burst.tokensPerSecond >= 0.4 * boundBurst.tokensPerSecond,
    },
    {
      what: 'hub requests per token, steady state (token bound to a grant Secret, then proven at the login check)',
      target: '3',
      value: `${seq.hub.perTokenIssuing} seq, ${burst.hub.perTokenIssuing} burst (all incl. periodic: ${seq.hub.perToken}, ${burst.hub.perToken})`,
      met: seq.hub.perTokenIssuing <= 3 && burst.hub.perTokenIssuing <= 3,
    },
    { what: 'Slack Web API calls per token', target: '<= 2', value: `${seq.slack!.webApiPerToken} seq, ${burst.slack!.webApiPerToken} burst`, met: seq.slack!.webApiPerToken <= 2 && burst.slack!.webApiPerToken <= 2 },
    { what: 'user-group look-ups during the measured phases', target: `independent of the requests: <= ${refreshBudget} timer refreshes`, value: `${usergroupsDuringPhases} for ${seq.tokens + burst.tokens} tokens`, met: usergroupsDuringPhases <= refreshBudget },
    { what: 'bot peak RSS during the burst', target: '< 100 MB', value: `${rss} MB`, met: rss < 100 },
  ];
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function table(p: Record<string, PhaseRecord>, t: Target[], extra: { usergroupsTotal: number; firstContact?: PhaseRecord; rssBeforeBurstMb: number; errors: number; depsRss?: Array<{ module: string; rssMb: number }> }, header: string): string {
  const c = p.burst!.concurrency;
  const cols: Array<[string, PhaseRecord]> = [
    ['bot seq', p.seq!],
    [`bot c=${c}`, p.burst!],
    ['floor seq', p.floorSeq!],
    [`floor c=${c}`, p.floorBurst!],
    ['bound seq', p.boundSeq!],
    [`bound c=${c}`, p.boundBurst!],
    ['kubectl seq', p.kubectl!],
  ];
  const fmt = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : String(v));
  const rows: Array<[string, (r: PhaseRecord) => string]> = [
    ['tokens', (r) => String(r.tokens)],
    ['ack p50 / p95 (ms)', (r) => (r.ack ? `${r.ack.p50} / ${r.ack.p95}` : '—')],
    ['ack p99 / max (ms)', (r) => (r.ack ? `${r.ack.p99} / ${r.ack.max}` : '—')],
    ['  from the send call p99 / max', (r) => (r.ackFromSend ? `${r.ackFromSend.p99} / ${r.ackFromSend.max}` : '—')],
    ['  after the 1st wave p99 (ms)', (r) => (r.ackAfterFirstWave ? `${r.ackAfterFirstWave.p99}` : '—')],
    ['  1st wave on the wire in (ms)', (r) => fmt(r.firstWaveOnWireMs)],
    ['command→DM p50 (ms)', (r) => fmt(r.toDm.p50)],
    ['command→DM p95 (ms)', (r) => fmt(r.toDm.p95)],
    ['command→DM p99 (ms)', (r) => fmt(r.toDm.p99)],
    ['tokens per second', (r) => fmt(r.tokensPerSecond)],
    ['hub requests per token', (r) => fmt(r.hub.perToken)],
    ['Slack Web API calls per token', (r) => (r.slack ? fmt(r.slack.webApiPerToken) : '—')],
    ['response_url POSTs', (r) => (r.slack ? String(r.slack.responseUrlPosts) : '—')],
    ['CPU s: bot (of it system)', (r) => `${fmt(r.cpuSeconds.bot)} (${fmt(r.cpuSeconds.botSystem)})`],
    ['CPU s: kube-apiserver / etcd', (r) => `${fmt(r.cpuSeconds.apiserver)} / ${fmt(r.cpuSeconds.etcd)}`],
    ['CPU s: load generator, floor', (r) => `${fmt(r.cpuSeconds.loadgen)}, ${fmt(r.cpuSeconds.floor)}`],
    ['load generator loop lag p99 ms', (r) => fmt(r.loadgenEventLoopP99Ms)],
    ['commands resent (stale conn)', (r) => String(r.retriedCommands)],
    ['errors', (r) => String(r.errors.length)],
  ];
  const w0 = 31;
  const w = 19;
  const lines = [header, '', pad('', w0) + cols.map(([h]) => pad(h, w)).join('')];
  for (const [label, f] of rows) lines.push(pad(label, w0) + cols.map(([, r]) => pad(f(r), w)).join(''));
  lines.push('');
  lines.push(`hub requests, bot burst: ${Object.entries(p.burst!.hub.byRequest).map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  const authenticatorReads = cols.filter(([, r]) => r.hub.hubOwnSecretReads).map(([h, r]) => `${h} ×${r.hub.hubOwnSecretReads}`);
  if (authenticatorReads.length > 0) lines.push(`left out of the hub's counts: GETs of a grant Secret by kube-apiserver's own token authenticator, whose cache had not seen it yet at the login check (${authenticatorReads.join(', ')})`);
  if (extra.firstContact?.slack) {
    lines.push(`first contact (warm-up, one command per user): ${extra.firstContact.slack.webApiPerToken} Web API calls per token (${Object.entries(extra.firstContact.slack.calls).map(([k, v]) => `${k} ×${v}`).join(', ')})`);
  }
  lines.push(`user-group look-ups in the whole run: ${extra.usergroupsTotal} (burst: ${p.burst!.slack!.usergroupsCalls}, sequential: ${p.seq!.slack!.usergroupsCalls})`);
  lines.push(`bot peak RSS: ${p.burst!.peakRssMb?.hwm ?? '—'} MB during the burst (VmHWM; sampled ${p.burst!.peakRssMb?.sampled} MB), ${extra.rssBeforeBurstMb} MB before it`);
  if (extra.depsRss) lines.push(`RSS of a fresh node after require(): ${extra.depsRss.map((d) => `${d.module} ${d.rssMb}`).join(' → ')} MB`);
  lines.push(`where a token's time goes (mean ms, the bot's own timers vs the bound floor's): ${stepComparison(p.seq!, p.boundSeq!)} one at a time; ${stepComparison(p.burst!, p.boundBurst!)} at c=${c}`);
  lines.push(`"bound" = the floor plus the grant Secret the token is bound to and the login check that proves the token: what the bot must do at least.`);
  lines.push(`load average (1 min) at the end of each phase: ${cols.map(([h, r]) => `${h} ${r.loadAverage[0]}`).join(', ')}`);
  lines.push(`errors: ${extra.errors}`);
  lines.push('');
  lines.push('targets:');
  for (const x of t) lines.push(`  ${x.met ? 'met   ' : 'MISSED'}  ${x.what}: ${x.value}  [target ${x.target}]`);
  return lines.join('\n');
}

/** The same four steps in the bot (from its /metrics) and in the bound floor, side by side. */
function stepComparison(bot: PhaseRecord, bound: PhaseRecord): string {
  const botKey: Record<FloorStep, string> = { 'grant Secret': 'hub create grant ok', TokenRequest: 'hub token request ok', 'login check': 'hub prove token 200', 'chat.postEphemeral': 'slack chat.postEphemeral ok' };
  return (Object.keys(botKey) as FloorStep[]).map((step) => `${step} ${bot.botReportedMeanMs?.[botKey[step]]?.meanMs ?? '—'} vs ${bound.floorStepMeanMs?.[step]?.meanMs ?? '—'}`).join(', ');
}

// ---------------------------------------------------------------------------------------------

/** The scale phase on a hub of its own; its figures go under `scale` in the results file. */
async function scale(tmp: string, into: Record<string, unknown>): Promise<Record<string, unknown>> {
  const startedAt = new Date().toISOString();
  const figures = await runScale(ROOT, tmp, { ...(QUICK ? SCALE_QUICK : SCALE_FULL), nodeArgs: BOT_NODE_OPTIONS }, log);
  const result = { ...into, scale: { generatedAt: startedAt, ...figures } };
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, `${OUT}.json`), JSON.stringify(result, null, 2) + '\n');
  log(`wrote the scale figures into bench/results/${OUT}.json`);
  return result;
}

async function scaleOnly(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'karpor-bench-'));
  try {
    if (BUILD) {
      log('building the bot (npm run build)');
      await buildBot(ROOT);
    }
    await ensureHubBinaries((s) => log(`[hub build] ${s}`));
    const file = path.join(RESULTS, `${OUT}.json`);
    const before = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    const { scale: figures } = await scale(tmp, before);
    const failed = ((figures as { targets: Array<{ met: boolean }> }).targets ?? []).filter((t) => !t.met).length;
    log(`scale: ${failed} of the targets missed`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (SCALE_ONLY) return scaleOnly();
  const startedAt = new Date();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'karpor-bench-'));
  let hub: RunningHub | undefined;
  let slack: FakeSlack | undefined;
  let bot: BotProcess | undefined;
  let botKubeconfigDir: string | undefined;
  const cleanup = async () => {
    await bot?.stop().catch(() => undefined);
    await slack?.stop().catch(() => undefined);
    await hub?.stop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
    if (botKubeconfigDir) fs.rmSync(botKubeconfigDir, { recursive: true, force: true });
  };
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${sig}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  const loadAtStart = os.loadavg()[0]!;
  if (loadAtStart > os.cpus().length / 2) log(`warning: load average ${loadAtStart.toFixed(2)} on ${os.cpus().length} CPUs; other work will skew the figures`);
  try {
    log(`mode ${CONFIG.mode}: ${CONFIG.sequential} sequential, ${CONFIG.burst} burst from ${CONFIG.users} users at concurrency ${CONFIG.concurrency}, ${CONFIG.kubectl} kubectl`);
    if (PROFILE) fs.rmSync(path.join(RESULTS, 'profile'), { recursive: true, force: true });
    const built = BUILD ? (log('building the bot (npm run build)'), buildBot(ROOT)) : Promise.resolve();
    built.catch(() => undefined);
    await ensureHubBinaries((s) => log(`[hub build] ${s}`));
    // A hung phase must fail the run (CI), not stall it; a cold build of the hub does not count.
    const deadline = setTimeout(() => {
      log(`no result after ${CONFIG.deadlineMs / 60_000} min: giving up`);
      void cleanup().finally(() => process.exit(1));
    }, CONFIG.deadlineMs);
    deadline.unref();
    hub = await startHub({ log: (s) => log(`[hub] ${s}`) });
    await built;
    const hubUpAt = performance.now();
    process.env.KARPOR_TEST_HUB_SERVER = hub.server;
    process.env.KARPOR_TEST_HUB_KUBECONFIG = hub.kubeconfigPath;
    const kubeconfig = parseYaml(fs.readFileSync(hub.kubeconfigPath, 'utf8')) as { users: Array<{ user: { token: string } }> };
    const adminToken = kubeconfig.users[0]!.user.token;

    const namespace = await createNamespace(uniqueName('bench'));
    const botKubeconfig = await botIdentity(namespace, POLICY as PolicyInput);
    botKubeconfigDir = path.dirname(botKubeconfig);
    slack = await startFakeSlack({ botToken: BOT_TOKEN, usergroups: GROUPS });
    const arrivals = new SlackArrivals(slack);
    const policyFile = path.join(tmp, 'policy.yaml');
    fs.writeFileSync(policyFile, toYaml(POLICY));
    const port = await freePort();
    log(`starting the bot: node ${BOT_NODE_OPTIONS.join(' ')} dist/main.js on port ${port}, namespace ${namespace}`);
    bot = await startBot(ROOT, tmp, {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_MODE: 'http',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      HUB_KUBECONFIG: botKubeconfig,
      HUB_NAMESPACE: namespace,
      POLICY_FILE: policyFile,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    }, [...BOT_NODE_OPTIONS, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.join(RESULTS, 'profile')}`] : [])]);
    const rssAtReadyMb = round(rssKb(bot.pid) / 1024, 1);
    const ctx: Context = { hub, adminToken, slack, bot, pids: { bot: bot.pid, ...hubPids(hub.dir) } };
    const sender = new CommandSender(bot.eventsUrl, SIGNING_SECRET, slack, CONFIG.concurrency);
    // Tokens come from the role's namespace, where grants live too.
    const roleNs = roleNamespace({ mode: 'shared', prefix: PREFIX }, ROLE);
    const op = botOp(sender, arrivals, roleNs);
    const serviceAccount = `${PREFIX}-${ROLE}`;
    const floor = FloorProcess.start(botKubeconfig, roleNs, serviceAccount, slack.url, BOT_TOKEN, CONFIG.concurrency);
    ctx.pids.floor = floor.pid;
    const kubectlHome = path.join(tmp, 'home');
    fs.mkdirSync(kubectlHome);
    const viaKubectl = kubectlOp(hub, roleNs, serviceAccount, kubectlHome);
    const phases: Record<string, PhaseRecord> = {};

    // Warm-up: every load user once (their DM channel gets known, JIT and connections warm up),
    // then the floor and one kubectl. Its Slack calls are the first-contact cost.
    const warm = await measure(ctx, 'warm-up (one command per user)', CONFIG.warmupConcurrency, { slack: true }, () =>
      runPool(LOAD_USERS.length, CONFIG.warmupConcurrency, LOAD_USERS, (u) => op(u)),
    );
    const warmFloor = await sequential(CONFIG.floorWarmup, (i) => floorOp(floor, arrivals, i % 2 === 1)(LOAD_USERS[i % LOAD_USERS.length]!));
    const warmKubectl = await viaKubectl();
    const warmErrors = [...warm.errors.filter((e) => !e.startsWith('hub answered')), ...warmFloor.results.filter((r) => !r.ok).map((r) => r.error!), ...(warmKubectl.ok ? [] : [warmKubectl.error!])];

    const idle = await measure(ctx, 'idle', 0, { slack: true }, async () => {
      await new Promise((r) => setTimeout(r, CONFIG.idleMs));
      return { results: [], wallMs: CONFIG.idleMs };
    });
    const rssBeforeBurstMb = round(peakRssKb(bot.pid) / 1024, 1);

    const measuredFrom = performance.now();
    phases.seq = await measure(ctx, 'bot sequential', 1, { slack: true, bot: true }, () => runPool(CONFIG.sequential, 1, LOAD_USERS, (u) => op(u)));
    phases.floorSeq = await measure(ctx, 'floor sequential', 1, { slack: true }, () => runPool(CONFIG.sequential, 1, LOAD_USERS, floorOp(floor, arrivals)));
    phases.burst = await measure(ctx, `bot burst`, CONFIG.concurrency, { slack: true, rss: true, bot: true }, () => runPool(CONFIG.burst, CONFIG.concurrency, LOAD_USERS, (u) => op(u)));
    phases.floorBurst = await measure(ctx, `floor burst`, CONFIG.concurrency, { slack: true }, () => runPool(CONFIG.burst, CONFIG.concurrency, LOAD_USERS, floorOp(floor, arrivals)));
    await floor.takeSteps();
    phases.boundSeq = await measure(ctx, 'bound floor sequential', 1, { slack: true }, () => runPool(CONFIG.sequential, 1, LOAD_USERS, floorOp(floor, arrivals, true)));
    phases.boundSeq.floorStepMeanMs = await floor.takeSteps();
    phases.boundBurst = await measure(ctx, 'bound floor burst', CONFIG.concurrency, { slack: true }, () => runPool(CONFIG.burst, CONFIG.concurrency, LOAD_USERS, floorOp(floor, arrivals, true)));
    phases.boundBurst.floorStepMeanMs = await floor.takeSteps();
    phases.kubectl = await measure(ctx, 'kubectl create token', 1, {}, () => sequential(CONFIG.kubectl, () => viaKubectl()));
    const measuredSeconds = (performance.now() - measuredFrom) / 1000;
    const memoryAfterRun = await botMemory(bot.port);
    const depsRss = await dependencyRss(ROOT).catch((err: Error) => (log(err.message), undefined));
    await sender.close();
    floor.close();
    // Stopped here so that a CPU profile is written before it is read.
    await bot.stop();
    let profile: Record<string, ReturnType<typeof summariseProfile>> | undefined;
    if (PROFILE) {
      const dir = path.join(RESULTS, 'profile');
      const file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
      if (file) {
        profile = { sequential: summariseProfile(file, 20, phases.seq.window), burst: summariseProfile(file, 20, phases.burst.window) };
        log(`bot CPU profile: ${path.relative(ROOT, file)}`);
      }
    }

    const levels = bot.logLevels();
    const botErrorLines = (levels.error ?? 0) + (levels.fatal ?? 0) + (levels.unparsed ?? 0);
    const usergroupsTotal = slack.calls.filter((c) => c.method.startsWith('usergroups.')).length;
    const usergroupsDuringPhases = Object.values(phases).reduce((a, p) => a + (p.slack?.usergroupsCalls ?? 0), 0);
    const unexpectedDms = arrivals.unexpected.length;
    const errorList = [
      ...warmErrors.map((e) => `warm-up: ${e}`),
      ...Object.values(phases).flatMap((p) => p.errors.map((e) => `${p.name}: ${e}`)),
      ...(botErrorLines > 0 ? [`the bot logged ${botErrorLines} lines at error level or unparsed`] : []),
      ...(unexpectedDms > 0 ? [`${unexpectedDms} ephemeral messages nobody asked for`] : []),
    ];
    const t = targets(phases, usergroupsDuringPhases, measuredSeconds);
    const ver = await versions(hub);
    const mach = machine();

    const header = `karpor-token-bot benchmark (${CONFIG.mode}) — ${mach.cpus} × ${mach.cpuModel}, ${mach.memoryGb} GB; Node ${ver.node}; hub ${ver.kubeApiserver}, etcd ${ver.etcd}${BOT_NODE_OPTIONS.length ? `; bot run with ${BOT_NODE_OPTIONS.join(' ')}` : ''}`;
    process.stdout.write(table(phases, t, { usergroupsTotal, firstContact: warm, rssBeforeBurstMb, errors: errorList.length, ...(depsRss && { depsRss }) }, header) + '\n');
    if (profile) {
      for (const [phase, prof] of Object.entries(profile)) {
        const busy = prof.totalMs - prof.idleMs;
        process.stdout.write(`\nbot CPU profile, ${phase} phase: ${busy} ms on CPU of ${prof.totalMs} ms (GC ${prof.gcMs} ms); by package:\n`);
        for (const [what, ms] of prof.byOwner.slice(0, 12)) process.stdout.write(`  ${String(ms).padStart(6)} ms  ${what}\n`);
      }
    }
    if (errorList.length > 0) {
      process.stdout.write(`\nerrors (first 20):\n${errorList.slice(0, 20).map((e) => `  ${e}`).join('\n')}\n`);
      if (botErrorLines > 0) process.stdout.write(`\nbot log (tail):\n${bot.logTail(20)}\n`);
    }

    const result = {
      generatedAt: startedAt.toISOString(),
      mode: CONFIG.mode,
      config: { ...CONFIG, botNodeOptions: BOT_NODE_OPTIONS },
      machine: mach,
      versions: ver,
      setup: {
        bot: `node ${BOT_NODE_OPTIONS.join(' ')} dist/main.js, HTTP mode, LOG_LEVEL=warn, least-privilege hub identity from setup-hub`,
        policy: POLICY,
        groups: GROUPS.map((g) => ({ id: g.id, handle: g.handle, members: g.users.length })),
        command: `/karpor-token ${COMMAND_TEXT}`,
        floor: 'client-node TokenRequest (keep-alive, bot identity) + raw chat.postEphemeral',
        kubectl: 'kubectl create token <sa> --duration 1h, admin kubeconfig, one process per token',
        latencyClock: 'command sent → fake Slack records the chat.postEphemeral carrying the token (same process, performance.now())',
      },
      figures: {
        ackMs: { sequential: phases.seq.ack, burst: phases.burst.ack, sequentialFromSendCall: phases.seq.ackFromSend, burstFromSendCall: phases.burst.ackFromSend, burstAfterFirstWave: phases.burst.ackAfterFirstWave, burstFirstWaveOnWireMs: phases.burst.firstWaveOnWireMs },
        commandToDmMs: {
          botSequential: phases.seq.toDm,
          botBurst: phases.burst.toDm,
          floorSequential: phases.floorSeq.toDm,
          floorBurst: phases.floorBurst.toDm,
          boundFloorSequential: phases.boundSeq.toDm,
          boundFloorBurst: phases.boundBurst.toDm,
          kubectl: phases.kubectl.toDm,
        },
        tokensPerSecond: Object.fromEntries(Object.entries(phases).map(([k, p]) => [k, p.tokensPerSecond])),
        hubRequestsPerToken: Object.fromEntries(Object.entries(phases).map(([k, p]) => [k, { all: p.hub.perToken, issuing: p.hub.perTokenIssuing, byRequest: p.hub.byRequest }])),
        slackWebApiCallsPerToken: { sequential: phases.seq.slack!.webApiPerToken, burst: phases.burst.slack!.webApiPerToken, firstContact: warm.slack!.webApiPerToken },
        responseUrlPosts: { sequential: phases.seq.slack!.responseUrlPosts, burst: phases.burst.slack!.responseUrlPosts },
        usergroupsLookups: { wholeRun: usergroupsTotal, measuredPhases: usergroupsDuringPhases, warmup: warm.slack!.usergroupsCalls, tokensInWholeRun: Object.values(phases).reduce((a, p) => a + p.tokens, 0) + warm.tokens },
        botPeakRssMb: { burst: phases.burst.peakRssMb, beforeBurst: rssBeforeBurstMb, atReady: rssAtReadyMb },
        ...(memoryAfterRun && { botMemoryAfterRunMb: memoryAfterRun }),
        ...(depsRss && { rssOfLoadingDependenciesMb: depsRss }),
        errors: errorList.length,
      },
      targets: t,
      phases: { warmup: warm, idle, ...phases },
      botLogLevels: levels,
      ...(profile && { botCpuProfile: profile }),
      errors: errorList,
      hubUpToDoneSeconds: round((performance.now() - hubUpAt) / 1000, 1),
      loadAverageAtStart: round(loadAtStart),
    };
    fs.mkdirSync(RESULTS, { recursive: true });
    const base = OUT;
    fs.writeFileSync(path.join(RESULTS, `${base}.json`), JSON.stringify(result, null, 2) + '\n');

    const svg = cdfChart(
      `karpor-token-bot: latency per token (${CONFIG.mode} run)`,
      `${mach.cpus} × ${mach.cpuModel} · Node ${ver.node} · hub ${ver.kubeApiserver} · ${startedAt.toISOString().slice(0, 10)}`,
      [
        {
          title: 'One at a time',
          series: [
            { label: 'bot: command → token DM', color: '#1f63b4', values: latencies(phases.seq) },
            { label: 'bot: ack', color: '#1f63b4', dashed: true, values: latencies(phases.seq, 'ack') },
            { label: 'floor: TokenRequest + postEphemeral', color: '#2a9d3a', values: latencies(phases.floorSeq) },
            { label: 'bound floor: + grant Secret + login check', color: '#2a9d3a', dashed: true, values: latencies(phases.boundSeq) },
            { label: 'kubectl create token', color: '#e0771b', values: latencies(phases.kubectl) },
          ],
        },
        {
          title: `Burst: ${CONFIG.burst} requests from ${CONFIG.users} users at concurrency ${CONFIG.concurrency}`,
          series: [
            { label: 'bot: command → token DM', color: '#1f63b4', values: latencies(phases.burst) },
            { label: 'bot: ack', color: '#1f63b4', dashed: true, values: latencies(phases.burst, 'ack') },
            { label: 'floor: TokenRequest + postEphemeral', color: '#2a9d3a', values: latencies(phases.floorBurst) },
            { label: 'bound floor: + grant Secret + login check', color: '#2a9d3a', dashed: true, values: latencies(phases.boundBurst) },
          ],
        },
      ],
    );
    fs.writeFileSync(path.join(RESULTS, `${base}.svg`), svg);
    // Every operation (start offset, ack, command→DM) for analyses the summary cannot answer.
    fs.writeFileSync(path.join(RESULTS, `${base}-raw.json`), JSON.stringify(Object.fromEntries(Object.entries(phases).map(([k, p]) => [k, RAW.get(p)?.ops ?? []]))) + '\n');
    log(`wrote bench/results/${base}.json and ${base}.svg (${result.hubUpToDoneSeconds} s after the hub was up)`);
    if (!QUICK) {
      // On a fresh hub of its own: the main phases' tokens and grants are not part of its N.
      await hub.stop();
      hub = undefined;
      await scale(tmp, result);
    }
    process.exitCode = errorList.length > 0 ? 1 : 0;
  } finally {
    if (!interrupted) await cleanup();
  }
}

main().then(
  // Exit even if a keep-alive socket or a timer of a library would keep node alive.
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
