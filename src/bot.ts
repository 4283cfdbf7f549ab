import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as k8s from '@kubernetes/client-node';
import { App, SocketModeReceiver, type CustomRoute } from '@slack/bolt';
import type { RetryOptions } from '@slack/web-api';
import type { Settings } from './config/env';
import { AccessService } from './domain/access-service';
import { Approvals } from './domain/approvals';
import { newId } from './domain/grant';
import type { Policy } from './domain/policy';
import { systemClock, type AuditEvent, type Clock } from './domain/ports';
import { HubConnection } from './hub/connection';
import { ownHubAccess } from './hub/credential';
import { KubeHub } from './hub/kube-hub';
import { HubRequestStore } from './hub/requests';
import { hubRbacEnabled } from './hub/server-configs';
import { InFlight } from './in-flight';
import { auditTo, slackLogger, type Log } from './log';
import { Metrics } from './metrics';
import * as grantButtons from './slack/actions/grant-buttons';
import * as requestButtons from './slack/actions/request-buttons';
import { AckThread, type AckedCommand } from './slack/ack-thread';
import { SlackApprovalCards } from './slack/approval-cards';
import * as karporToken from './slack/commands/karpor-token';
import { SlackDirectory } from './slack/directory';
import { instrumentSlack } from './slack/instrument';
import { SlackNotifier } from './slack/notifier';
import { createReceiver } from './slack/receiver';
import { replayGuard } from './slack/replay-guard';
import { slackFetch } from './slack/transport';
import { dmReply } from './slack/reply';
import * as requestViews from './slack/views/request-views';
import { WorkQueue } from './slack/work-queue';

export interface BotOptions {
  settings: Settings;
  policy: Policy;
  log: Log;
  clock?: Clock;
  /** Web API retries; tests turn them off. */
  slackRetries?: RetryOptions;
  /** Background work: membership refresh, expiry of grants and requests, reminders. */
  intervals?: Partial<typeof DEFAULT_INTERVALS>;
  /** The host cluster, where a renewed hub credential is stored (in-cluster by default). */
  hostCluster?: () => k8s.KubeConfig;
}

const DEFAULT_INTERVALS = {
  directoryMs: 60_000,
  directoryStaleMs: 10 * 60_000,
  housekeepingMs: 60_000,
  reminderMs: 15 * 60_000,
  serverConfigsMs: 5 * 60_000,
  credentialMs: 5 * 60_000,
  drainMs: 20_000,
};

/**
 * Commands worked on at once; more wait their turn, already acknowledged. Enough to keep the CPU
 * busy while calls to the hub and Slack are under way; more only lengthens each event-loop turn,
 * and Node accepts one new connection per turn, so acks would wait (see README, Performance).
 */
const COMMANDS_AT_ONCE = 8;

/** Marks a command the ack thread has answered (in Bolt's context). */
const ACKNOWLEDGED = 'acknowledgedByAckThread';

const RBAC_OFF =
  'The Karpor hub has RBAC turned off (EnableRBAC=false): it accepts any token, so the tokens this bot issues protect nothing. Turn RBAC on in Karpor (Helm: server.enableRbac=true).';

const SUPERUSER =
  "The bot reaches the hub with Karpor's own admin kubeconfig (HUB_KUBECONFIG_CONFIGMAP): anyone who takes over this pod is a hub superuser. Run `karpor-token-bot setup-hub` and use HUB_KUBECONFIG instead.";

const clockOf = (opts: BotOptions) => opts.clock ?? systemClock;

/** The whole bot, wired: Bolt app, hub adapter, directory, notifier and the use cases. */
export class Bot {
  readonly app: App;
  readonly service: AccessService;
  readonly approvals: Approvals;
  readonly hub: KubeHub;
  readonly directory: SlackDirectory;
  readonly metrics = new Metrics();
  private readonly conn: HubConnection;
  /** Renews the bot's own hub credential when it is due (kubeconfig access only). */
  private readonly keepCredential?: (conn: HubConnection, now: Date) => Promise<void>;
  private readonly log: Log;
  private readonly intervals: typeof DEFAULT_INTERVALS;
  private readonly inFlight = new InFlight();
  private readonly timers: NodeJS.Timeout[] = [];
  private rbacEnabled: boolean | undefined;
  /** Socket Mode only: whether the connection to Slack is up. */
  private socketUp = true;
  private stopping = false;
  /** HTTP mode only: the thread that owns the public port and acknowledges commands. */
  private ackThread?: AckThread;

  constructor(private readonly opts: BotOptions) {
    const { settings, policy, log } = opts;
    const clock = opts.clock ?? systemClock;
    this.log = log;
    this.intervals = { ...DEFAULT_INTERVALS, ...opts.intervals };
    const logAudit = auditTo(log);
    const audit = (event: AuditEvent) => {
      logAudit(event);
      this.metrics.audited(event);
    };
    const slack = settings.slack;
    const logger = slackLogger(log);
    this.app = new App({
      token: slack.botToken,
      logger,
      deferInitialization: true,
      // Bolt's per-conversation state store, unused here, costs a lookup on every request.
      convoStore: false,
      clientOptions: {
        ...(slack.apiUrl && { slackApiUrl: slack.apiUrl }),
        retryConfig: opts.slackRetries ?? { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
        timeout: 10_000,
        fetch: slackFetch(),
      },
      ...(slack.mode === 'socket'
        ? { socketMode: true, appToken: slack.appToken!, installerOptions: { port: settings.port }, customRoutes: this.routes() }
        : { receiver: createReceiver({ signingSecret: slack.signingSecret!, customRoutes: this.routes(), logger }) }),
    });
    // A replayed or retried delivery is acknowledged and dropped before it can do anything.
    this.app.use(replayGuard({ onDuplicate: (info) => log.info(info, 'duplicate delivery dropped') }));
    // Work in flight is finished before the process exits; nothing new starts once stopping. (A
    // command the ack thread has answered is in flight from the moment it arrives.)
    this.app.use(async ({ context, next }) => {
      if (context[ACKNOWLEDGED]) return next();
      if (this.stopping) return;
      await this.inFlight.run(next);
    });
    const client = this.app.client;
    instrumentSlack(client, (m, s, o) => this.metrics.slackCall(m, s, o));
    const access = ownHubAccess(settings.hub, {
      expiry: (at) => this.metrics.hubCredentialExpiry(at),
      renewed: (at) => log.info({ expiresAt: at.toISOString() }, "the bot's hub credential was renewed"),
      warn: (detail, message) => log.warn(detail, message),
      alert: (detail, message) => log.error({ alert: true, ...detail }, message),
      ...(opts.hostCluster && { hostCluster: opts.hostCluster }),
    });
    this.keepCredential = access.keep;
    this.conn = new HubConnection(access.source, settings.hub.timeoutMs, (op, s, o) => this.metrics.hubCall(op, s, o));
    this.hub = new KubeHub(
      this.conn,
      policy,
      clock,
      (detail) => log.error({ alert: true, ...detail }, 'hub binding conflict'),
      (err, what) => log.warn({ err, what }, 'hub watch interrupted'),
    );
    this.directory = new SlackDirectory(
      client,
      policy,
      { refreshMs: this.intervals.directoryMs, staleLimitMs: this.intervals.directoryStaleMs, onLookup: (r) => this.metrics.membershipLookup(r) },
      (err) => log.warn({ err }, 'user-group refresh failed'),
    );
    const notifier: SlackNotifier = new SlackNotifier(
      client,
      clock,
      new SlackApprovalCards(client, clock, policy.approvalsChannel, (u) => notifier.dm(u), (err, what) => log.warn({ err }, what)),
    );
    const newRef = () => newId(randomBytes, 8);
    const store = new HubRequestStore(this.conn, settings.hub.namespace);
    this.service = new AccessService({
      policy,
      directory: this.directory,
      hub: this.hub,
      notifier,
      clock,
      audit,
      newRef,
      log,
      hubWarning: () => (this.rbacEnabled === false ? RBAC_OFF : undefined),
      pendingRequests: (userId) => store.list({ requester: userId, state: 'pending' }),
      ...(settings.dashboardUrl && { dashboardUrl: settings.dashboardUrl }),
    });
    this.approvals = new Approvals({
      policy,
      directory: this.directory,
      store,
      notifier,
      service: this.service,
      clock,
      audit,
      newId: () => newId(randomBytes),
      instance: `${process.pid}-${newRef()}`,
    });
    const replyInDm = (userId: string) => dmReply((u, message) => notifier.postToDm(u, message), userId);
    const deps = { service: this.service, approvals: this.approvals, client, replyInDm };
    karporToken.register(this.app, { ...deps, queue: new WorkQueue(COMMANDS_AT_ONCE), observe: (result, seconds) => this.metrics.command(result, seconds) });
    grantButtons.register(this.app, deps);
    requestButtons.register(this.app, deps);
    requestViews.register(this.app, deps);
  }

  /** Starts serving; returns the HTTP port (Slack events in HTTP mode, health and metrics in both). */
  async start(): Promise<number> {
    await this.app.init();
    this.hub.start();
    await this.directory.start();
    const port = this.opts.settings.slack.mode === 'socket' ? await this.startSocketMode() : await this.startHttp();
    this.every(this.intervals.housekeepingMs, () => this.houseKeep());
    this.every(this.intervals.serverConfigsMs, () => this.checkHubRbac());
    if (this.keepCredential) this.every(this.intervals.credentialMs, () => this.keepHubCredential());
    if (this.opts.settings.hub.source.kind === 'configmap') this.log.error({ alert: true }, SUPERUSER);
    return port;
  }

  /** Bolt's receiver serves on loopback, behind the ack thread that owns the public port. */
  private async startHttp(): Promise<number> {
    const { port, host, slack } = this.opts.settings;
    const bolt = (await this.app.start({ port: 0, host: '127.0.0.1' })) as Server;
    try {
      this.ackThread = await AckThread.start({
        port,
        ...(host && { host }),
        internalPort: (bolt.address() as AddressInfo).port,
        signingSecret: slack.signingSecret!,
        onCommand: (command) => this.acknowledged(command),
        onWarning: (message) => this.log.warn(message),
        onFailure: (message) => this.log.error({ alert: true }, message),
      });
      return this.ackThread.port;
    } catch (err) {
      await this.app.stop();
      throw err;
    }
  }

  private async startSocketMode(): Promise<number> {
    const { port, host } = this.opts.settings;
    await this.app.start(host ? { port, host } : port);
    // app.start() resolves to the apps.connections.open answer; the port is the receiver's server's.
    const socketMode = socketModeOf(this.app)!;
    this.socketUp = true;
    socketMode.client.on('connected', () => void (this.socketUp = true));
    for (const state of ['disconnected', 'reconnecting']) socketMode.client.on(state, () => void (this.socketUp = false));
    const address = socketMode.httpServer?.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  /** A command the ack thread has acknowledged: Bolt's listeners take it from there (their ack does nothing). */
  private acknowledged(command: AckedCommand): void {
    this.inFlight
      .run(() => this.app.processEvent({ ...command, ack: async () => undefined, customProperties: { [ACKNOWLEDGED]: true } }))
      .catch((err: unknown) => this.log.error({ err }, 'command failed after its ack'));
  }

  /** Stops taking new work, lets what is in flight finish (bounded), then closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.ackThread?.handOver();
    for (const timer of this.timers) clearInterval(timer);
    this.directory.stop();
    const drained = await this.inFlight.drain(this.intervals.drainMs);
    this.hub.stop();
    if (!drained) this.log.warn({ pending: this.inFlight.size }, 'stopped with work still in flight');
    // Bolt's stop() only starts closing a Socket Mode connection; wait until it is closed (the client bounds that).
    const client = socketModeOf(this.app)?.client;
    const closed = client && new Promise<void>((resolve) => void client.once('disconnected', () => resolve()));
    await this.ackThread?.stop();
    await this.app.stop();
    await closed;
  }

  /** Expired grants go (their tokens with them); reminders; overdue requests expire; approved ones are delivered. */
  async houseKeep(): Promise<void> {
    try {
      const { removed, live } = await this.hub.deleteExpired();
      if (removed > 0) this.log.info({ removed }, 'expired grants removed');
      this.metrics.liveGrants(live);
      await this.service.remindExpiring(this.intervals.reminderMs);
      this.metrics.pendingRequests(await this.approvals.resume());
    } catch (err) {
      this.log.warn({ err }, 'housekeeping failed');
    }
  }

  /** Renews the bot's own hub credential if it is due; warns when its end is near. */
  async keepHubCredential(): Promise<void> {
    await this.keepCredential?.(this.conn, clockOf(this.opts).now());
  }

  async checkHubRbac(): Promise<boolean | undefined> {
    const enabled = await hubRbacEnabled(this.conn);
    if (enabled === false) this.log.error({ alert: true }, RBAC_OFF);
    else if (enabled === undefined && this.rbacEnabled === undefined) this.log.info('the hub does not report whether RBAC is on (GET /server-configs)');
    this.rbacEnabled = enabled;
    this.metrics.hubRbac(enabled);
    return enabled;
  }

  async ready(): Promise<{ ok: boolean; checks: Record<string, boolean> }> {
    const hub = await this.hub.grants({ userId: 'readiness-probe' }).then(
      () => true,
      () => false,
    );
    const checks = { hub, slack: this.directory.ready && this.socketUp, accepting: !this.stopping };
    return { ok: Object.values(checks).every(Boolean), checks };
  }

  private every(ms: number, task: () => Promise<unknown>): void {
    const timer = setInterval(() => void task(), ms);
    timer.unref();
    this.timers.push(timer);
    void task();
  }

  private routes(): CustomRoute[] {
    return [
      { path: '/healthz', method: ['GET'], handler: (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n') },
      {
        path: '/readyz',
        method: ['GET'],
        handler: (_req, res) => {
          void this.ready().then(({ ok, checks }) => res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(checks)));
        },
      },
      {
        path: '/metrics',
        method: ['GET'],
        handler: (_req, res) => {
          void this.metrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text));
        },
      },
    ];
  }
}

/**
 * Bolt 5.1 keeps its Socket Mode receiver private, and with it the HTTP server it starts for the
 * custom routes (the only place the port it listens on is known) and the socket client.
 */
function socketModeOf(app: App): { httpServer?: Server; client: SocketModeReceiver['client'] } | undefined {
  const receiver = (app as unknown as { receiver?: unknown }).receiver;
  return receiver instanceof SocketModeReceiver ? (receiver as unknown as { httpServer?: Server; client: SocketModeReceiver['client'] }) : undefined;
}
