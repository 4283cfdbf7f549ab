// The scale phase (`npm run bench -- --scale`, and part of the full run): the same bot against a hub
// that holds N live grants and 5×N finished requests, then in per-user mode with K identities.
// What it shows: which costs grow with what the hub holds. See bench/README.md.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { PolicyInput } from '../src/config/policy-file';
import { roleNamespace, serviceAccountName } from '../src/domain/identity';
import { grantSecret } from '../src/hub/grants';
import { botLabels, ROLE, USER } from '../src/hub/labels';
import { requestSecret } from '../src/hub/requests';
import { startFakeSlack, type FakeSlack, type FakeUserGroup } from '../test/fakes/slack-api';
import { startHub, type RunningHub } from '../test/hub/harness';
import { botIdentity, tokenIn } from '../test/support/bot';
import { createNamespace, uniqueName } from '../test/support/hub';
import { freePort, startBot, type BotProcess } from './lib/bot-process';
import { delta, scrape } from './lib/hub-metrics';
import { CommandSender, SlackArrivals } from './lib/load';
import { cpuSeconds, peakRssKb, rssKb } from './lib/procfs';
import { round, summarize } from './lib/stats';

const BOT_TOKEN = 'xoxb-bench-scale-token';
const SIGNING_SECRET = 'bench-scale-signing-secret';
const WAIT_MS = 30_000;
const SEED_CONCURRENCY = 24;
const REASON = 'looking into the checkout latency alert on prod-eu';

export interface ScaleConfig {
  /** Live grants held by the hub, one level after the other (requests: five finished per grant). */
  grants: number[];
  /** Per-user identities (ServiceAccounts) in the role namespace. */
  identities: number[];
  /** How long the bot is watched at rest per level. */
  restMs: number;
  samples: number;
  nodeArgs: string[];
}

export const SCALE_FULL: ScaleConfig = { grants: [0, 1_000, 10_000], identities: [0, 1_000, 5_000], restMs: 120_000, samples: 40, nodeArgs: [] };
export const SCALE_QUICK: ScaleConfig = { grants: [0, 100, 1_000], identities: [0, 100, 500], restMs: 60_000, samples: 10, nodeArgs: [] };

const PEOPLE = Array.from({ length: 200 }, (_, i) => `U0SCALE${String(i).padStart(3, '0')}`);
const ASKER = PEOPLE[0]!;
const GROUPS: FakeUserGroup[] = [
  { id: 'S0SCALEENG', handle: 'engineers', users: PEOPLE },
  { id: 'S0SCALEAPR', handle: 'karpor-approvers', users: ['U0SCALEAPR'] },
];
const policy = (mode: 'shared' | 'per-user', prefix: string): PolicyInput => ({
  identity: { mode, prefix },
  revokers: { groups: ['karpor-approvers'] },
  roles: { guest: { clusterRole: 'karpor-guest', groups: ['engineers'], defaultDuration: '1h', maxDuration: '8h' } },
});

/** Counts the bytes the hub sends the bot: a TCP relay in front of the hub (TLS passes through it untouched). */
async function countingRelay(target: string): Promise<{ server: string; bytesToBot(): number; close(): void }> {
  const { hostname, port } = new URL(target);
  let bytes = 0;
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    upstream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port: at } = relay.address() as net.AddressInfo;
  return {
    server: `https://127.0.0.1:${at}`,
    bytesToBot: () => bytes,
    close: () => {
      for (const s of sockets) s.destroy();
      relay.close();
    },
  };
}

/** The hub as an administrator sees it: creates objects in bulk. */
function adminPool(hub: RunningHub, token: string): { post(path: string, body: unknown): Promise<void>; get(path: string, bearer: string): Promise<number>; close(): Promise<void> } {
  const pool = new Pool(hub.server, { connections: SEED_CONCURRENCY, connect: { rejectUnauthorized: false } });
  return {
    async post(p, body) {
      const res = await pool.request({ method: 'POST', path: p, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`POST ${p}: ${res.statusCode} ${text.slice(0, 200)}`);
    },
    async get(p, bearer) {
      const res = await pool.request({ method: 'GET', path: p, headers: { authorization: `Bearer ${bearer}` } });
      await res.body.dump();
      return res.statusCode;
    },
    close: () => pool.close(),
  };
}

async function inParallel(count: number, each: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, async () => {
      while (next < count) await each(next++);
    }),
  );
}

const id = (kind: string, i: number) => `${kind}${String(i).padStart(8, '0')}`;

/** Live grants as the bot makes them, spread over the people, lasting 8 h. */
function liveGrant(ns: string, prefix: string, i: number, now: Date): object {
  const userId = PEOPLE[1 + (i % (PEOPLE.length - 1))]!;
  return grantSecret(ns, id('g', i), { userId, role: 'guest', grantedAt: now, reason: REASON }, `${prefix}-guest`, new Date(now.getTime() + 8 * 3600_000));
}

/** A request delivered yesterday, as the bot keeps it until its retention ends. */
function finishedRequest(ns: string, i: number, now: Date): object {
  const day = 86_400_000;
  const decidedAt = new Date(now.getTime() - day + 60_000);
  return requestSecret(ns, {
    id: id('r', i),
    requester: PEOPLE[1 + (i % (PEOPLE.length - 1))]!,
    role: 'guest',
    seconds: 3600,
    reason: REASON,
    state: 'delivered',
    createdAt: new Date(now.getTime() - day),
    expiresAt: new Date(now.getTime() - day + 1800_000),
    approvals: [{ userId: 'U0SCALEAPR', at: decidedAt }],
    decidedBy: 'U0SCALEAPR',
    decidedAt,
    grantId: id('r', i),
    tokenExpiresAt: new Date(decidedAt.getTime() + 3600_000),
    cards: [{ channel: 'C0APPROVALS', ts: '1764547200.000100' }],
  });
}

interface World {
  hub: RunningHub;
  adminToken: string;
  slack: FakeSlack;
  arrivals: SlackArrivals;
  tmp: string;
  root: string;
  log: (s: string) => void;
}

async function startScaleBot(w: World, mode: 'shared' | 'per-user', namespace: string, kubeconfig: string, prefix: string, nodeArgs: string[]): Promise<BotProcess> {
  const policyFile = path.join(w.tmp, `policy-${mode}.yaml`);
  fs.writeFileSync(policyFile, toYaml(policy(mode, prefix)));
  const port = await freePort();
  return startBot(
    w.root,
    w.tmp,
    {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_MODE: 'http',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: w.slack.url,
      HUB_KUBECONFIG: kubeconfig,
      HUB_NAMESPACE: namespace,
      POLICY_FILE: policyFile,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    nodeArgs,
    60_000,
  );
}

/** ms from the command on its way to the answer on its response_url (status) or the token DM. */
async function timedCommand(w: World, sender: CommandSender, user: string, text: string, until: 'answer' | 'dm'): Promise<{ ms: number; token?: string }> {
  const cmd = sender.prepare(user, text);
  const dm = until === 'dm' ? w.arrivals.nextDm(user, WAIT_MS) : undefined;
  const answer = w.arrivals.response(cmd.responseId, WAIT_MS);
  dm?.catch(() => undefined);
  answer.catch(() => undefined);
  const res = await cmd.send();
  if (res.status !== 200) throw new Error(`ack HTTP ${res.status}`);
  const [got, reply] = await Promise.all([dm, answer]);
  const said = String(reply.response.body?.text ?? '');
  if (until === 'dm') {
    const token = tokenIn(got!.message);
    if (!token) throw new Error(`no token for ${user}: ${said.slice(0, 160)}`);
    return { ms: got!.at - res.sentAt, token };
  }
  if (!/guest/.test(said)) throw new Error(`status for ${user}: ${said.slice(0, 160)}`);
  return { ms: reply.at - res.sentAt };
}

async function p50(n: number, run: (i: number) => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(await run(i));
  return round(summarize(values).p50);
}

/** The bot at rest for `ms`: what it asks of the hub, and what it costs itself, per minute. */
async function atRest(w: World, bot: BotProcess, relay: { bytesToBot(): number }, ms: number) {
  const requestsBefore = await scrape(w.hub.server, w.adminToken);
  const bytesBefore = relay.bytesToBot();
  const cpuBefore = cpuSeconds(bot.pid).total;
  await new Promise((r) => setTimeout(r, ms));
  const perMinute = 60_000 / ms;
  const requests = delta(requestsBefore, await scrape(w.hub.server, w.adminToken));
  return {
    hubRequests: requests.byRequest,
    hubRequestsPerMinute: round(requests.total * perMinute, 1),
    hubKbPerMinute: round(((relay.bytesToBot() - bytesBefore) / 1024) * perMinute, 1),
    cpuSecondsPerMinute: round((cpuSeconds(bot.pid).total - cpuBefore) * perMinute, 3),
    rssMb: round(rssKb(bot.pid) / 1024, 1),
    peakRssMb: round(peakRssKb(bot.pid) / 1024, 1),
  };
}

async function sharedMode(w: World, config: ScaleConfig, admin: ReturnType<typeof adminPool>) {
  const prefix = uniqueName('scale').slice(0, 16);
  const namespace = await createNamespace(uniqueName('scale'));
  const relay = await countingRelay(w.hub.server);
  const kubeconfig = await botIdentity(namespace, policy('shared', prefix), relay.server);
  const grantsNs = roleNamespace({ mode: 'shared', prefix }, 'guest');
  const levels: Record<string, unknown> = {};
  let grants = 0;
  let requests = 0;
  /** Grants the measurements themselves issued (they stay live for the next levels too). */
  let issued = 0;
  try {
    for (const n of config.grants) {
      const now = new Date();
      const seedStart = performance.now();
      const grantsFrom = grants;
      await inParallel(n - grantsFrom, (i) => admin.post(`/api/v1/namespaces/${grantsNs}/secrets`, liveGrant(grantsNs, prefix, grantsFrom + i, now)));
      grants = n;
      const requestsFrom = requests;
      await inParallel(5 * n - requestsFrom, (i) => admin.post(`/api/v1/namespaces/${namespace}/secrets`, finishedRequest(namespace, requestsFrom + i, now)));
      requests = 5 * n;
      w.log(`scale: ${n} live grants, ${requests} finished requests on the hub (seeded in ${round((performance.now() - seedStart) / 1000, 1)} s)`);

      const bot = await startScaleBot(w, 'shared', namespace, kubeconfig, prefix, config.nodeArgs);
      const commands = new CommandSender(bot.eventsUrl, SIGNING_SECRET, w.slack, 4);
      try {
        // The asker holds a grant of their own; warm-up: every code path once.
        await timedCommand(w, commands, ASKER, 'guest 1h', 'dm');
        await timedCommand(w, commands, ASKER, 'status', 'answer');
        const rest = await atRest(w, bot, relay, config.restMs);
        const statusMs = await p50(config.samples, async () => (await timedCommand(w, commands, ASKER, 'status', 'answer')).ms);
        const commandToDmMs = await p50(config.samples, async (i) => (await timedCommand(w, commands, PEOPLE[1 + (i % 20)]!, 'guest 1h', 'dm')).ms);
        issued += 1 + config.samples;
        const record = { liveGrants: n + issued, finishedRequests: requests, statusP50Ms: statusMs, commandToDmP50Ms: commandToDmMs, atRest: rest };
        w.log(`scale: N=${n}: status p50 ${statusMs} ms, command→DM p50 ${commandToDmMs} ms, at rest ${rest.hubRequestsPerMinute} hub requests / ${rest.hubKbPerMinute} KiB per minute, RSS ${rest.rssMb} MB`);
        levels[String(n)] = record;
      } finally {
        await commands.close();
        await bot.stop();
      }
    }
  } finally {
    relay.close();
  }
  return levels;
}

async function perUserMode(w: World, config: ScaleConfig, admin: ReturnType<typeof adminPool>) {
  const prefix = uniqueName('scalepu').slice(0, 16);
  const identity = { mode: 'per-user' as const, prefix };
  const namespace = await createNamespace(uniqueName('scalepu'));
  const kubeconfig = await botIdentity(namespace, policy('per-user', prefix));
  const roleNs = roleNamespace(identity, 'guest');
  const levels: Record<string, unknown> = {};
  let made = 0;
  for (const k of config.identities) {
    const from = made;
    await inParallel(k - from, (i) => {
      const user = `U0IDENT${String(from + i).padStart(6, '0')}`;
      const name = serviceAccountName(identity, 'guest', user);
      return admin.post(`/api/v1/namespaces/${roleNs}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: roleNs, labels: botLabels({ [ROLE]: 'guest', [USER]: user }) } });
    });
    made = k;
    const bot = await startScaleBot(w, 'per-user', namespace, kubeconfig, prefix, config.nodeArgs);
    const commands = new CommandSender(bot.eventsUrl, SIGNING_SECRET, w.slack, 4);
    try {
      const { token } = await timedCommand(w, commands, ASKER, 'guest 1h', 'dm');
      for (const u of PEOPLE.slice(1, 21)) await timedCommand(w, commands, u, 'guest 1h', 'dm');
      const login = async () => {
        const started = performance.now();
        const status = await admin.get('/rest-api/v1/authn', token!);
        if (status !== 200) throw new Error(`dashboard login answered ${status}`);
        return performance.now() - started;
      };
      for (let i = 0; i < 20; i++) await login();
      const dashboardMs = await p50(config.samples * 5, login);
      const issuingMs = await p50(config.samples, async (i) => (await timedCommand(w, commands, PEOPLE[1 + (i % 20)]!, 'guest 1h', 'dm')).ms);
      const rssMb = round(rssKb(bot.pid) / 1024, 1);
      levels[String(k)] = { identities: k + 21, dashboardLoginP50Ms: round(dashboardMs, 3), commandToDmP50Ms: issuingMs, rssMb };
      w.log(`scale: per-user, ${k} identities: dashboard login p50 ${round(dashboardMs, 3)} ms, command→DM p50 ${issuingMs} ms, RSS ${rssMb} MB`);
    } finally {
      await commands.close();
      await bot.stop();
    }
  }
  return levels;
}

function ratio(levels: Record<string, any>, first: string, last: string, pick: (r: any) => number): number {
  return round(pick(levels[last]) / Math.max(pick(levels[first]), 1e-9));
}

/** Runs both modes on a hub of its own; returns what goes under `scale` in the results. */
export async function runScale(root: string, tmp: string, config: ScaleConfig, log: (s: string) => void) {
  const hub = await startHub({ log: (s) => log(`[scale hub] ${s}`) });
  let slack: FakeSlack | undefined;
  const adminToken = (parseYaml(fs.readFileSync(hub.kubeconfigPath, 'utf8')) as { users: Array<{ user: { token: string } }> }).users[0]!.user.token;
  process.env.KARPOR_TEST_HUB_SERVER = hub.server;
  process.env.KARPOR_TEST_HUB_KUBECONFIG = hub.kubeconfigPath;
  const admin = adminPool(hub, adminToken);
  try {
    slack = await startFakeSlack({ botToken: BOT_TOKEN, usergroups: GROUPS });
    const w: World = { hub, adminToken, slack, arrivals: new SlackArrivals(slack), tmp, root, log };
    const shared = await sharedMode(w, config, admin);
    const perUser = await perUserMode(w, config, admin);
    const [g0, gN] = [String(config.grants[0]), String(config.grants.at(-1))];
    const [i0, iK] = [String(config.identities[0]), String(config.identities.at(-1))];
    const growth = {
      statusP50: ratio(shared, g0, gN, (r) => r.statusP50Ms),
      commandToDmP50: ratio(shared, g0, gN, (r) => r.commandToDmP50Ms),
      // Below 1 KiB a minute counts as 1: a ratio of two near-zero figures says nothing.
      hubBytesPerMinuteAtRest: ratio(shared, g0, gN, (r) => Math.max(1, r.atRest.hubKbPerMinute)),
      rssMb: round((shared[gN] as any).atRest.rssMb - (shared[g0] as any).atRest.rssMb, 1),
      perUserDashboardLoginP50: ratio(perUser, i0, iK, (r) => r.dashboardLoginP50Ms),
    };
    const targets = [
      { what: `status p50, ${g0} → ${gN} live grants`, target: '<= 2x', value: `${growth.statusP50}x`, met: growth.statusP50 <= 2 },
      { what: `command→DM p50, ${g0} → ${gN} live grants`, target: '<= 1.3x', value: `${growth.commandToDmP50}x`, met: growth.commandToDmP50 <= 1.3 },
      { what: `housekeeping hub bytes per minute at rest, ${g0} → ${gN} live grants`, target: '<= 2x', value: `${growth.hubBytesPerMinuteAtRest}x`, met: growth.hubBytesPerMinuteAtRest <= 2 },
      { what: `bot RSS at rest, ${g0} → ${gN} live grants`, target: '<= +50 MB', value: `+${growth.rssMb} MB`, met: growth.rssMb <= 50 },
      { what: `dashboard login p50, per-user mode, ${i0} → ${iK} identities`, target: '<= 1.5x', value: `${growth.perUserDashboardLoginP50}x`, met: growth.perUserDashboardLoginP50 <= 1.5 },
    ];
    for (const t of targets) log(`scale target ${t.met ? 'met   ' : 'MISSED'} ${t.what}: ${t.value} [${t.target}]`);
    return { config: { grants: config.grants, finishedRequestsPerGrant: 5, identities: config.identities, restSeconds: config.restMs / 1000, samples: config.samples }, shared, perUser, growth, targets };
  } finally {
    await admin.close().catch(() => undefined);
    await slack?.stop().catch(() => undefined);
    await hub.stop().catch(() => undefined);
  }
}
