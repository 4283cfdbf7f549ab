import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { App, type CustomRoute } from '@slack/bolt';
import type { RetryOptions } from '@slack/web-api';
import type { Settings } from './config/env';
import { AccessService } from './domain/access-service';
import { Approvals } from './domain/approvals';
import { newId } from './domain/grant';
import type { Policy } from './domain/policy';
import { systemClock, type Clock } from './domain/ports';
import { HubConnection } from './hub/connection';
import { KubeHub } from './hub/kube-hub';
import { HubRequestStore } from './hub/requests';
import { auditTo, slackLogger, type Log } from './log';
import * as grantButtons from './slack/actions/grant-buttons';
import * as requestButtons from './slack/actions/request-buttons';
import { SlackApprovalCards } from './slack/approval-cards';
import * as karporToken from './slack/commands/karpor-token';
import { SlackDirectory } from './slack/directory';
import { SlackNotifier } from './slack/notifier';
import { dmReply } from './slack/reply';
import * as requestViews from './slack/views/request-views';

export interface BotOptions {
  settings: Settings;
  policy: Policy;
  log: Log;
  clock?: Clock;
  /** Web API retries; tests turn them off. */
  slackRetries?: RetryOptions;
  /** Background work: membership refresh, expiry of grants and requests. */
  intervals?: { directoryMs: number; directoryStaleMs: number; housekeepingMs: number; reminderMs: number };
}

const DEFAULT_INTERVALS = { directoryMs: 60_000, directoryStaleMs: 10 * 60_000, housekeepingMs: 60_000, reminderMs: 15 * 60_000 };

/** The whole bot, wired: Bolt app, hub adapter, directory, notifier and the use cases. */
export class Bot {
  readonly app: App;
  readonly service: AccessService;
  readonly approvals: Approvals;
  readonly hub: KubeHub;
  readonly directory: SlackDirectory;
  private readonly conn: HubConnection;
  private readonly log: Log;
  private readonly intervals: typeof DEFAULT_INTERVALS;
  private housekeeping?: NodeJS.Timeout;
  private server?: Server;

  constructor(private readonly opts: BotOptions) {
    const { settings, policy, log } = opts;
    const clock = opts.clock ?? systemClock;
    this.log = log;
    this.intervals = opts.intervals ?? DEFAULT_INTERVALS;
    const audit = auditTo(log);
    const slack = settings.slack;
    this.app = new App({
      token: slack.botToken,
      logger: slackLogger(log),
      deferInitialization: true,
      customRoutes: this.routes(),
      clientOptions: {
        ...(slack.apiUrl && { slackApiUrl: slack.apiUrl }),
        retryConfig: opts.slackRetries ?? { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
        timeout: 10_000,
      },
      ...(slack.mode === 'socket'
        ? { socketMode: true, appToken: slack.appToken!, installerOptions: { port: settings.port } }
        : { signingSecret: slack.signingSecret! }),
    });
    const client = this.app.client;
    this.conn = new HubConnection(settings.hub.source, settings.hub.timeoutMs);
    this.hub = new KubeHub(this.conn, settings.hub.namespace, policy.identity, clock, (detail) => log.error({ alert: true, ...detail }, 'hub binding conflict'));
    this.directory = new SlackDirectory(client, policy, { refreshMs: this.intervals.directoryMs, staleLimitMs: this.intervals.directoryStaleMs }, (err) => log.warn({ err }, 'user-group refresh failed'));
    const notifierRef: { current?: SlackNotifier } = {};
    const cards = new SlackApprovalCards(client, clock, policy.approvalsChannel, (u) => notifierRef.current!.dm(u), (err, what) => log.warn({ err }, what));
    const notifier = (notifierRef.current = new SlackNotifier(client, clock, cards));
    const newRef = () => newId(randomBytes, 8);
    this.service = new AccessService({
      policy,
      directory: this.directory,
      hub: this.hub,
      notifier,
      clock,
      audit,
      newRef,
      log,
      ...(settings.dashboardUrl && { dashboardUrl: settings.dashboardUrl }),
    });
    this.approvals = new Approvals({
      policy,
      directory: this.directory,
      store: new HubRequestStore(this.conn, settings.hub.namespace),
      notifier,
      service: this.service,
      clock,
      audit,
      newId: () => newId(randomBytes),
      instance: `${process.pid}-${newRef()}`,
    });
    const replyInDm = (userId: string) => dmReply(async (u, message) => void (await client.chat.postMessage({ channel: await notifier.dm(u), ...message })), userId);
    karporToken.register(this.app, { service: this.service, approvals: this.approvals });
    grantButtons.register(this.app, { service: this.service, approvals: this.approvals });
    requestButtons.register(this.app, { service: this.service, approvals: this.approvals });
    requestViews.register(this.app, { service: this.service, approvals: this.approvals, replyInDm });
  }

  /** Starts serving; returns the HTTP port (Slack events in HTTP mode, health in both). */
  async start(): Promise<number> {
    await this.app.init();
    await this.directory.start();
    const started = await this.app.start(this.opts.settings.port);
    this.server = (started as Server | undefined) ?? undefined;
    const address = this.server?.address();
    this.housekeeping = setInterval(() => void this.houseKeep(), this.intervals.housekeepingMs);
    this.housekeeping.unref();
    void this.houseKeep();
    return typeof address === 'object' && address ? address.port : this.opts.settings.port;
  }

  async stop(): Promise<void> {
    clearInterval(this.housekeeping);
    this.directory.stop();
    await this.app.stop();
  }

  /** Expired grants go (their tokens with them); overdue requests expire; approved ones are delivered. */
  async houseKeep(): Promise<void> {
    try {
      const removed = await this.hub.deleteExpired();
      if (removed > 0) this.log.info({ removed }, 'expired grants removed');
      await this.service.remindExpiring(this.intervals.reminderMs);
      await this.approvals.resume();
    } catch (err) {
      this.log.warn({ err }, 'housekeeping failed');
    }
  }

  async ready(): Promise<{ ok: boolean; checks: Record<string, boolean> }> {
    const hub = await this.hub.grants({ userId: 'readiness-probe' }).then(
      () => true,
      () => false,
    );
    const checks = { hub, slack: this.directory.ready };
    return { ok: Object.values(checks).every(Boolean), checks };
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
    ];
  }
}
