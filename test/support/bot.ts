// Runs the real bot for tests: HTTP mode (or Socket Mode against a fake endpoint), its
// least-privilege identity made by the setup step (src/setup) on the test hub, the fake Slack
// Web API, and every log line captured.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { compose, type ComposeOptions, type KarporTokenBot } from '../../src/compose';
import type { Settings } from '../../src/config/env';
import { policyFrom, type PolicyInput } from '../../src/config/policy-file';
import { roleHomes } from '../../src/domain/identity';
import type { Clock } from '../../src/domain/ports';
import { createLog } from '../../src/log';
import { setupHub } from '../../src/setup/setup-hub';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions, type RecordedMessage } from '../fakes/slack-api';
import { startFakeSocketMode, type FakeSocketMode } from '../fakes/socket-mode';
import { adminKubeConfig, createNamespace, hubServer, uniqueName } from './hub';
import { blockActionPayload, eventCallbackBody, interactionBody, postSigned, slashCommandBody } from './slack-requests';

export const SIGNING_SECRET = 'test-signing-secret';
export const BOT_TOKEN = 'xoxb-test-bot-token';
export const APP_TOKEN = 'xapp-test';

/** The role namespaces (where grants live) of the bots started with each home namespace. */
const roleNamespaces = new Map<string, Set<string>>();

/** Where the grants of the bots whose home namespace is `namespace` live. */
export function grantNamespaces(namespace: string): string[] {
  return [...(roleNamespaces.get(namespace) ?? [])];
}

/** The grant Secrets of the bots whose home namespace is `namespace` (they live in the role namespaces). */
export async function grantSecrets(namespace: string): Promise<k8s.V1Secret[]> {
  return botSecrets(namespace, 'karpor.io/kind=grant');
}

/** Every Secret the bots with this home namespace could have written: home and role namespaces. */
export async function botSecrets(namespace: string, labelSelector?: string): Promise<k8s.V1Secret[]> {
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  const lists = await Promise.all([namespace, ...grantNamespaces(namespace)].map((ns) => core.listNamespacedSecret({ namespace: ns, ...(labelSelector && { labelSelector }) })));
  return lists.flatMap((l) => l.items);
}

/**
 * Runs the setup step for `policy` with the hub's admin kubeconfig, as an operator would, and
 * returns a kubeconfig with the bot's own token (home namespace `namespace`).
 */
export async function botIdentity(namespace: string, policy: PolicyInput, server = hubServer(), tokenSeconds = 3600): Promise<string> {
  const parsed = policyFrom(policy);
  const credential = await setupHub({ admin: adminKubeConfig(), policy: parsed, namespace, server, tokenSeconds });
  const known = roleNamespaces.get(namespace) ?? new Set<string>();
  for (const home of roleHomes(parsed)) known.add(home.namespace);
  roleNamespaces.set(namespace, known);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bot-kubeconfig-')), 'config');
  fs.writeFileSync(file, credential.kubeconfig, { mode: 0o600 });
  return file;
}

export const PEOPLE = {
  engineer: 'U0ENGINEER',
  platformAdmin: 'U0PLATFORM',
  approver: 'U0APPROVER',
  approver2: 'U0APPROVR2',
  outsider: 'U0OUTSIDER',
};

export const GROUPS = [
  { id: 'S0ENG', handle: 'engineers', users: [PEOPLE.engineer, PEOPLE.platformAdmin] },
  { id: 'S0PLAT', handle: 'platform', users: [PEOPLE.platformAdmin] },
  { id: 'S0APPR', handle: 'karpor-approvers', users: [PEOPLE.approver, PEOPLE.approver2] },
];

/** A policy like an operator's: guest for engineers, admin for platform with approval. */
export function testPolicy(prefix: string, overrides: Partial<PolicyInput> = {}): PolicyInput {
  return {
    identity: { mode: 'shared', prefix },
    roles: {
      guest: { clusterRole: 'karpor-guest', groups: ['engineers'], defaultDuration: '1h', maxDuration: '8h' },
      admin: { clusterRole: 'karpor-admin', groups: ['platform'], defaultDuration: '1h', maxDuration: '4h', approval: { groups: ['karpor-approvers'], timeout: '30m' } },
    },
    ...overrides,
  };
}

export interface TestBot {
  bot: KarporTokenBot;
  url: string;
  /** Where /healthz, /readyz and /metrics are (the public port unless `ops` was asked for). */
  opsBase: string;
  slack: FakeSlack;
  /** In socket mode: the endpoint the bot is connected to; command() and interact() go through it. */
  socket?: FakeSocketMode;
  namespace: string;
  prefix: string;
  logs: string[];
  command(userId: string, text: string): Promise<{ status: number; ms: number; responseUrl: string }>;
  interact(payload: object): Promise<{ status: number; ms: number; body: string }>;
  /** Delivers an Events API event (e.g. appHomeOpenedEvent) the way the bot's mode receives it. */
  event(event: object): Promise<{ status: number }>;
  stop(): Promise<void>;
}

export interface TestBotOptions {
  policy?: PolicyInput;
  namespace?: string;
  slack?: FakeSlack;
  slackOptions?: FakeSlackOptions;
  clock?: Clock;
  kubeconfig?: string;
  timeoutMs?: number;
  /** ServiceAccount prefix; bots sharing one can stand for replicas of one deployment. */
  prefix?: string;
  /** Reach the hub through this URL (a fault-injecting proxy) instead of directly. */
  hubServer?: string;
  intervals?: ComposeOptions['intervals'];
  /** Web API retries (off unless given), for tests of Slack's rate limits and errors. */
  slackRetries?: ComposeOptions['slackRetries'];
  /** The port to listen on (0, any free one, unless given). */
  port?: number;
  /** 'socket': Socket Mode with the app-level token, against a fake Socket Mode endpoint. Default 'http'. */
  mode?: 'http' | 'socket';
  /** Health and metrics on a port of their own (OPS_PORT), any free one. */
  ops?: boolean;
  /** Where a renewed hub credential is stored, and the cluster that holds it. */
  credentialSecret?: Settings['hub']['credentialSecret'];
  hostCluster?: ComposeOptions['hostCluster'];
}

/** Numbers every command's response_url, unique across the bots that share one fake Slack. */
let commandsSent = 0;

export async function startTestBot(opts: TestBotOptions = {}): Promise<TestBot> {
  const namespace = opts.namespace ?? (await createNamespace(uniqueName('bot')));
  const prefix = opts.prefix ?? uniqueName('t').slice(0, 12);
  const policy = opts.policy ?? testPolicy(prefix);
  const kubeconfig = opts.kubeconfig ?? (await botIdentity(namespace, policy, opts.hubServer));
  if (opts.mode === 'socket' && opts.slack) throw new Error('a socket-mode test bot starts its own fake Slack');
  const socket = opts.mode === 'socket' ? await startFakeSocketMode() : undefined;
  const socketApi = socket && { appToken: APP_TOKEN, socketModeUrl: socket.connectionUrl };
  const slack = opts.slack ?? (await startFakeSlack({ botToken: BOT_TOKEN, usergroups: GROUPS, ...socketApi, ...opts.slackOptions }));
  const logs: string[] = [];
  const log = createLog('debug', { write: (line: string) => void logs.push(line) });
  const settings: Settings = {
    slack: socket
      ? { botToken: BOT_TOKEN, mode: 'socket', appToken: APP_TOKEN, apiUrl: slack.url }
      : { botToken: BOT_TOKEN, mode: 'http', signingSecret: SIGNING_SECRET, apiUrl: slack.url },
    hub: { source: { kind: 'kubeconfig', path: kubeconfig }, namespace, timeoutMs: opts.timeoutMs ?? 10_000, ...(opts.credentialSecret && { credentialSecret: opts.credentialSecret }) },
    policyFile: '(inline)',
    port: opts.port ?? 0,
    host: '127.0.0.1',
    logLevel: 'debug',
    ...(opts.ops && { ops: { port: 0 } }),
  };
  const bot = compose(settings, policyFrom(policy), log, {
    slackRetries: opts.slackRetries ?? { retries: 0 },
    ...(opts.clock && { clock: opts.clock }),
    ...(opts.hostCluster && { hostCluster: opts.hostCluster }),
    // The check-up runs when asked unless a test gives it an interval: at start it would add hub
    // and Slack calls to every test's counts.
    intervals: { housekeepingMs: 3_600_000, serverConfigsMs: 3_600_000, doctorMs: 0, ...opts.intervals },
  });
  const port = await bot.start();
  const url = `http://127.0.0.1:${port}/slack/events`;
  return {
    bot,
    url,
    opsBase: `http://127.0.0.1:${bot.opsPort()}`,
    slack,
    ...(socket && { socket }),
    namespace,
    prefix,
    logs,
    async command(userId, text) {
      const responseUrl = slack.responseUrl(`cmd-${++commandsSent}`);
      if (socket) {
        const ack = await socket.sendSlashCommand(Object.fromEntries(new URLSearchParams(slashCommandBody({ userId, text, responseUrl }))));
        return { status: 200, ms: ack.ms, responseUrl };
      }
      const res = await postSigned(url, SIGNING_SECRET, slashCommandBody({ userId, text, responseUrl }));
      return { status: res.status, ms: res.ms, responseUrl };
    },
    async interact(payload) {
      if (!socket) return postSigned(url, SIGNING_SECRET, interactionBody(payload));
      const ack = await socket.sendInteractive(payload);
      return { status: 200, ms: ack.ms, body: Object.keys(ack.payload).length > 0 ? JSON.stringify(ack.payload) : '' };
    },
    async event(event) {
      const body = eventCallbackBody(event);
      if (socket) {
        await socket.sendEnvelope('events_api', JSON.parse(body));
        return { status: 200 };
      }
      const res = await postSigned(url, SIGNING_SECRET, body, { headers: { 'content-type': 'application/json' } });
      return { status: res.status };
    },
    async stop() {
      await bot.stop();
      await socket?.stop();
      if (!opts.slack) await slack.stop();
    },
  };
}

/** A movable clock: tests jump ahead instead of waiting. */
export function movableClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

/** The value of the button with `actionId` in a recorded message. */
export function buttonValue(message: RecordedMessage, actionId: string): string | undefined {
  for (const block of message.blocks ?? []) for (const el of block.elements ?? []) if (el.action_id === actionId) return el.value;
  return undefined;
}

/** What the bot answered through a response URL (respond()), by the URL's id. */
export async function answerAt(bot: TestBot, responseId: string): Promise<string> {
  const res = await bot.slack.waitFor(() => bot.slack.responses.find((r) => r.id === responseId), 15_000);
  return String(res.body.text);
}

/** Types a command and returns the bot's answer in the channel. */
export async function say(bot: TestBot, userId: string, text: string): Promise<string> {
  const sent = await bot.command(userId, text);
  return answerAt(bot, sent.responseUrl.split('/').pop()!);
}

/** Clicks a button and returns the bot's answer in the channel. */
export async function click(bot: TestBot, userId: string, actionId: string, value: string, responseId = `click-${Math.random()}`): Promise<string> {
  await bot.interact(blockActionPayload({ userId, actionId, value, responseUrl: bot.slack.responseUrl(responseId) }));
  return answerAt(bot, responseId);
}

/** The token inside an ephemeral token DM (a code block), if the message carries one. */
export function tokenIn(message: { blocks?: unknown }): string | undefined {
  const match = /```(eyJ[^`]+)```/.exec(JSON.stringify(message.blocks ?? []));
  return match?.[1];
}
