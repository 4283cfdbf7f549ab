import { randomBytes } from 'node:crypto';
import { App } from '@slack/bolt';
import type { RetryOptions } from '@slack/web-api';
import type { Settings } from './config/env';
import { CheckUp } from './check-up';
import { AccessService } from './domain/access-service';
import { Approvals } from './domain/approvals';
import type { Membership } from './domain/entitlement';
import { BreakGlassService } from './domain/break-glass-service';
import { newId } from './domain/grant';
import { groupHandles, type Policy } from './domain/policy';
import { systemClock, type AuditEvent, type Clock } from './domain/ports';
import { healthRoutes, type Readiness } from './health';
import { Housekeeping } from './housekeeping';
import { HubCredential } from './hub-credential';
import { HubClient, type HubSource } from './hub/client';
import { KarporHub } from './hub/karpor-hub';
import { probeHttp } from './hub/probe-http';
import { gatherHubFacts } from './hub/probes';
import { HubRequestStore } from './hub/requests';
import { InFlight } from './in-flight';
import { createIngress, separateOpsServer } from './ingress/ingress';
import { auditTo, slackLogger, type Log } from './log';
import { Metrics } from './metrics';
import { RbacMonitor } from './rbac-monitor';
import { Schedule } from './schedule';
import * as breakGlassButtons from './slack/actions/break-glass-buttons';
import { PROBE_ACCOUNT } from './setup/hub-objects';
import * as grantButtons from './slack/actions/grant-buttons';
import * as requestButtons from './slack/actions/request-buttons';
import * as appHome from './slack/events/app-home';
import { HomeTabs } from './slack/events/home-tabs';
import { SlackApprovalCards } from './slack/approval-cards';
import { SlackAuditChannel } from './slack/audit-channel';
import * as karporToken from './slack/commands/karpor-token';
import { SlackDirectory } from './slack/directory';
import { gatherSlackFacts, NEEDED_SCOPES, webClientSlackProbe } from './slack/doctor-facts';
import { DmChannels } from './slack/dm-channels';
import { instrumentSlack } from './slack/instrument';
import { SlackLanguages } from './slack/languages';
import { slackMarkup } from './slack/text/markup';
import { SlackNotifier } from './slack/notifier';
import { replayGuard } from './slack/replay-guard';
import { dmReply } from './slack/reply';
import { slackTransport } from './slack/transport';
import * as requestViews from './slack/views/request-views';
import { WorkQueue } from './slack/work-queue';

export interface ComposeOptions {
  clock?: Clock;
  /** Web API retries; tests turn them off. */
  slackRetries?: RetryOptions;
  /** Background work: membership refresh, expiry of grants and requests, reminders, the check-up (`doctorMs` 0: only when asked). */
  intervals?: Partial<typeof DEFAULT_INTERVALS>;
  /** The host cluster, where a renewed hub credential is stored (in-cluster by default). */
  hostCluster?: HubSource;
}

const DEFAULT_INTERVALS = {
  directoryMs: 60_000,
  directoryStaleMs: 10 * 60_000,
  housekeepingMs: 60_000,
  reminderMs: 15 * 60_000,
  purgeMs: 60 * 60_000,
  serverConfigsMs: 5 * 60_000,
  doctorMs: 10 * 60_000,
  credentialMs: 5 * 60_000,
  drainMs: 20_000,
  /** Home tabs are redrawn at most this often per person. */
  homeDebounceMs: 1_000,
  /** How long a person's Slack language is kept; after a failed look-up, the default's. */
  languageMs: 60 * 60_000,
  languageRetryMs: 60_000,
};

/**
 * Commands worked on at once; more wait their turn, already acknowledged. Enough to keep the CPU
 * busy while calls to the hub and Slack are under way; more only lengthens each event-loop turn,
 * so acks would wait (see README, Performance).
 */
const COMMANDS_AT_ONCE = 8;

/** The bot, wired and ready to start. */
export interface KarporTokenBot {
  /** Starts serving; resolves to the HTTP port (Slack's requests in HTTP mode, health and metrics in both). */
  start(): Promise<number>;
  /** Stops taking new work, lets what is in flight finish (bounded), then closes. */
  stop(): Promise<void>;
  housekeeping: Housekeeping;
  rbac: RbacMonitor;
  checkUp: CheckUp;
  credential: HubCredential;
  ready(): Readiness;
  /** The port of `/healthz`, `/readyz` and `/metrics` once started (OPS_PORT's server, or the one start() returned). */
  opsPort(): number;
}

/** Wires the parts together; nothing here does any work of its own. */
export function compose(settings: Settings, policy: Policy, log: Log, opts: ComposeOptions = {}): KarporTokenBot {
  const clock = opts.clock ?? systemClock;
  const intervals = { ...DEFAULT_INTERVALS, ...opts.intervals };
  const metrics = new Metrics();
  const logAudit = auditTo(log);
  const audit = (event: AuditEvent) => {
    logAudit(event);
    metrics.audited(event);
    homes.touched(event);
    auditChannel?.post(event);
  };
  const logger = slackLogger(log);
  const transport = slackTransport();

  const credential = new HubCredential({ hub: settings.hub, client: (): HubClient => conn, clock, metrics, log, ...(opts.hostCluster && { hostCluster: opts.hostCluster }) });
  const conn = new HubClient(credential.source, settings.hub.timeoutMs, (op, s, o) => metrics.hubCall(op, s, o));
  const watchTrouble = (err: unknown, what: string) => log.warn({ err, what }, 'hub watch interrupted');
  const hub = new KarporHub(conn, policy, clock, (detail) => log.error({ alert: true, ...detail }, 'hub binding conflict'), watchTrouble);
  const store = new HubRequestStore(conn, settings.hub.namespace, watchTrouble);
  const rbac = new RbacMonitor(conn, log, metrics);

  let started = false;
  let stopping = false;
  const inFlight = new InFlight();
  // The pod's own state only: no call to the hub or Slack (see src/health.ts).
  const ready = (): Readiness => {
    const checks = { started, accepting: !stopping, slack: ingress.connected };
    return { ok: Object.values(checks).every(Boolean), checks };
  };
  const routes = healthRoutes(ready, metrics);
  const ingress = createIngress(settings, routes, logger, transport);
  const opsServer = separateOpsServer(settings, routes);
  const ports = { main: 0, ops: 0 };

  const app = new App({
    token: settings.slack.botToken,
    logger,
    receiver: ingress.receiver,
    deferInitialization: true,
    // Bolt's per-conversation state store, unused here, costs a lookup on every request.
    convoStore: false,
    clientOptions: {
      ...(settings.slack.apiUrl && { slackApiUrl: settings.slack.apiUrl }),
      retryConfig: opts.slackRetries ?? { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
      timeout: 10_000,
      fetch: transport.fetch,
    },
  });
  // A replayed or retried delivery is acknowledged and dropped before it can do anything.
  app.use(replayGuard({ onDuplicate: (info) => log.info(info, 'duplicate delivery dropped') }));
  // Work in flight is finished before the process exits; nothing new starts once stopping.
  app.use(async ({ next }) => {
    if (stopping) return;
    await inFlight.run(next);
  });
  const client = app.client;
  instrumentSlack(client, (m, s, o) => metrics.slackCall(m, s, o));

  const directory = new SlackDirectory(
    client,
    policy,
    { refreshMs: intervals.directoryMs, staleLimitMs: intervals.directoryStaleMs, onLookup: (r) => metrics.membershipLookup(r), onRefreshed: (m) => enforceMembership(m) },
    (err) => log.warn({ err }, 'user-group refresh failed'),
  );
  metrics.watchSlack({ connected: () => started && ingress.connected, membershipFresh: () => directory.ready });
  const dms = new DmChannels(client);
  const words = new SlackLanguages(client, policy.language ?? 'en', {
    keepMs: intervals.languageMs,
    retryMs: intervals.languageRetryMs,
    waitMs: 1_000,
    onError: (err, userId) => log.warn({ err, user: userId }, 'Slack language not known; answering in the default'),
  });
  const auditChannel = policy.auditChannel ? new SlackAuditChannel(client, policy.auditChannel, (err, event) => log.warn({ err, event }, 'audit line not posted'), words.shared) : undefined;
  const homes = new HomeTabs({ client, policy, directory, hub, store, clock, words, debounceMs: intervals.homeDebounceMs, onError: (err, userId) => log.warn({ err, user: userId }, 'home tab not published') });
  const cards = new SlackApprovalCards(client, clock, policy.approvalsChannel, (userId) => dms.of(userId), (err, what) => log.warn({ err }, what), words.shared);
  const notifier = new SlackNotifier(client, clock, dms, cards, words, policy.approvalsChannel);
  const newRef = () => newId(randomBytes, 8);
  const checkUp = new CheckUp({
    policy,
    clock,
    hubFacts: () => gatherHubFacts(probeHttp(conn), policy, { namespace: settings.hub.namespace, serviceAccount: PROBE_ACCOUNT }),
    slackFacts: () => gatherSlackFacts(webClientSlackProbe(client), directory, policy, NEEDED_SCOPES),
    credentialExpiresAt: () => conn.credentialExpiresAt(),
    log,
    metrics,
  });
  const service: AccessService = new AccessService({
    policy,
    directory,
    hub,
    notifier,
    clock,
    audit,
    newRef,
    markup: slackMarkup,
    log,
    hubAcceptsAnyToken: () => rbac.acceptsAnyToken(),
    checkUp: () => checkUp.run(),
    pendingRequests: (userId) => store.list({ requester: userId, state: 'pending' }),
    withdrawRequests: (userId, by): Promise<number> => approvals.withdraw(userId, by),
    breakGlass: (person, ask, reply) => breakGlass.take(person, ask, reply),
    ...(settings.dashboardUrl && { dashboardUrl: settings.dashboardUrl }),
  });
  const breakGlass: BreakGlassService = new BreakGlassService({ policy, hub, directory, notifier, clock, audit, service });
  const approvals = new Approvals({
    policy,
    directory,
    store,
    hub,
    notifier,
    service,
    clock,
    audit,
    newId: () => newId(randomBytes),
    instance: `${process.pid}-${newRef()}`,
  });
  // Continuous entitlement: after each successful membership look-up, grants of roles people
  // lost end. The baseline moves on only once that worked, so a hub failure is acted on later.
  let settled: Membership | undefined;
  const enforceMembership = (after: Membership): void =>
    void service.enforceMembership(settled, after).then(
      () => void (settled = after),
      (err: unknown) => log.warn({ err }, 'ending grants of lost roles failed'),
    );
  const housekeeping = new Housekeeping({ hub, service, approvals, reminderMs: intervals.reminderMs, metrics, log, audit, breakGlass });

  const replyInDm = (userId: string) => dmReply((u, message) => notifier.postToDm(u, message), userId, words.of(userId));
  const deps = { service, approvals, client, replyInDm, words };
  karporToken.register(app, { ...deps, queue: new WorkQueue(COMMANDS_AT_ONCE), observe: (result, seconds) => metrics.command(result, seconds) });
  grantButtons.register(app, deps);
  requestButtons.register(app, deps);
  requestViews.register(app, deps);
  breakGlassButtons.register(app, { ...deps, breakGlass });
  appHome.register(app, { ...deps, homes, onError: (err, userId) => log.warn({ err, user: userId }, 'home tab not published') });

  const schedule = new Schedule();
  return {
    housekeeping,
    rbac,
    checkUp,
    credential,
    ready,
    opsPort: () => ports.ops || ports.main,
    async start() {
      await app.init();
      hub.start();
      store.start();
      await directory.start();
      const handles = groupHandles(policy);
      if (handles.length > 0) {
        const ids = Object.fromEntries(handles.map((h) => [h, directory.groupId(h) ?? 'not found']));
        log.warn({ handles: ids }, 'the policy names Slack user groups by handle; a handle can be renamed or reused by another group, an ID cannot: use the IDs');
      }
      try {
        ports.ops = (await opsServer?.start()) ?? 0;
        ports.main = await ingress.start();
      } catch (err) {
        directory.stop();
        hub.stop();
        store.stop();
        await opsServer?.stop();
        throw err;
      }
      started = true;
      schedule.every(intervals.housekeepingMs, () => housekeeping.run());
      schedule.every(intervals.purgeMs, () => housekeeping.purge());
      schedule.every(intervals.serverConfigsMs, () => rbac.check());
      schedule.every(intervals.credentialMs, () => credential.run());
      credential.alertIfSuperuser();
      if (intervals.doctorMs > 0) schedule.every(intervals.doctorMs, () => checkUp.run().catch((err: unknown) => log.warn({ err }, 'doctor: check-up failed')));
      return ports.main;
    },
    async stop() {
      stopping = true;
      schedule.stop();
      directory.stop();
      homes.stop();
      const drained = await inFlight.drain(intervals.drainMs);
      hub.stop();
      store.stop();
      if (!drained) log.warn({ pending: inFlight.size }, 'stopped with work still in flight');
      await ingress.stop();
      await opsServer?.stop();
    },
  };
}
