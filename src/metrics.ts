import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEvent } from './domain/ports';

/** Every metric of the bot's own starts with this; Node's process metrics keep their usual names. */
export const METRIC_PREFIX = 'karpor_token_bot_';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const APPROVAL_EVENTS: Record<string, string> = {
  'request.opened': 'opened',
  'request.approved': 'approved',
  'request.denied': 'denied',
  'request.cancelled': 'cancelled',
  'request.expired': 'expired',
  'request.delivered': 'delivered',
  'request.failed': 'failed',
  'request.withdrawn': 'withdrawn',
};

/** The version in package.json, which sits next to src/ and dist/ alike. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** The bot's Prometheus metrics, in a registry of its own (several bots can share a process). */
export class Metrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  private readonly tokens = new Counter({ name: `${METRIC_PREFIX}tokens_issued_total`, help: 'Tokens issued, by role.', labelNames: ['role'], registers: this.registers });
  private readonly commands = new Counter({ name: `${METRIC_PREFIX}commands_total`, help: 'Slash commands, by outcome.', labelNames: ['outcome'], registers: this.registers });
  private readonly approvals = new Counter({ name: `${METRIC_PREFIX}approval_requests_total`, help: 'Access-request state changes, by outcome.', labelNames: ['outcome'], registers: this.registers });
  private readonly toDm = new Histogram({ name: `${METRIC_PREFIX}command_to_dm_seconds`, help: 'From a slash command arriving to its token being in the DM.', buckets: LATENCY_BUCKETS, registers: this.registers });
  private readonly hub = new Histogram({ name: `${METRIC_PREFIX}hub_request_duration_seconds`, help: 'Calls to the Karpor hub, by operation and outcome (ok or HTTP status / error).', labelNames: ['op', 'outcome'], buckets: LATENCY_BUCKETS, registers: this.registers });
  private readonly slack = new Histogram({ name: `${METRIC_PREFIX}slack_request_duration_seconds`, help: 'Slack Web API calls, by method and outcome (ok or error code).', labelNames: ['method', 'outcome'], buckets: LATENCY_BUCKETS, registers: this.registers });
  private readonly directory = new Counter({ name: `${METRIC_PREFIX}group_membership_lookups_total`, help: 'User-group membership look-ups: hit (cache), refresh (fetched from Slack), unavailable.', labelNames: ['result'], registers: this.registers });
  private readonly rbacKnown = new Gauge({ name: `${METRIC_PREFIX}hub_rbac_known`, help: '1 when the hub said at the last check whether it enforces RBAC (GET /server-configs), 0 when it did not answer that.', registers: this.registers });
  private readonly rbacEnabled = new Gauge({ name: `${METRIC_PREFIX}hub_rbac_enabled`, help: '1 when the hub enforces RBAC; 0 when it accepts any token, or when that is not known (see hub_rbac_known).', registers: this.registers });
  private readonly grants = new Gauge({ name: `${METRIC_PREFIX}live_grants`, help: 'Live grants on the hub (all people, all replicas), as of the last housekeeping run.', registers: this.registers });
  private readonly doctor = new Gauge({ name: `${METRIC_PREFIX}doctor_check_status`, help: 'The last check-up (`/karpor-token doctor`), per check and role where it has one: 0 ok, 1 warning, 2 problem.', labelNames: ['check', 'role'], registers: this.registers });
  private readonly pending = new Gauge({ name: `${METRIC_PREFIX}pending_requests`, help: 'Access requests waiting for a decision (all replicas), as of the last housekeeping run.', registers: this.registers });
  /** Only once there is a token to tell of (a certificate, in configmap mode, has none): never a 0 that reads as expired. */
  private credentialExpiry?: Gauge;

  // Slack's state, out of readiness (every replica shares it): read when scraped.
  private slackState = { connected: () => false, membershipFresh: () => false };
  private readonly slackConnected: Gauge = new Gauge({ name: `${METRIC_PREFIX}slack_connected`, help: '1 when Slack can reach this replica (Socket Mode connected, or the HTTP port listening).', registers: this.registers, collect: (): void => this.slackConnected.set(Number(this.slackState.connected())) });
  private readonly membershipFresh: Gauge = new Gauge({ name: `${METRIC_PREFIX}group_membership_fresh`, help: '1 when the user-group membership in memory is recent enough to decide on; 0 while the bot refuses for want of it.', registers: this.registers, collect: (): void => this.membershipFresh.set(Number(this.slackState.membershipFresh())) });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: `${METRIC_PREFIX}build_info`, help: 'Always 1; the labels say which version of the bot runs on which Node.js.', labelNames: ['version', 'node_version'], registers: this.registers }).set(
      { version: packageVersion(), node_version: process.version },
      1,
    );
  }

  audited(event: AuditEvent): void {
    if (event.event === 'grant.issued' || event.event === 'grant.break-glass') this.tokens.inc({ role: String(event.role) });
    const outcome = APPROVAL_EVENTS[event.event];
    if (outcome) this.approvals.inc({ outcome });
  }

  command(outcome: string, seconds?: number): void {
    this.commands.inc({ outcome });
    if (outcome === 'issued' && seconds !== undefined) this.toDm.observe(seconds);
  }

  hubCall(op: string, seconds: number, outcome: string): void {
    this.hub.observe({ op, outcome }, seconds);
  }

  slackCall(method: string, seconds: number, outcome: string): void {
    this.slack.observe({ method, outcome }, seconds);
  }

  membershipLookup(result: 'hit' | 'refresh' | 'unavailable'): void {
    this.directory.inc({ result });
  }

  hubCredentialExpiry(at: Date): void {
    this.credentialExpiry ??= new Gauge({ name: `${METRIC_PREFIX}hub_credential_expiry_timestamp_seconds`, help: "When the bot's own hub token expires (seconds since the epoch); it renews itself a third of its lifetime before.", registers: this.registers });
    this.credentialExpiry.set(at.getTime() / 1000);
  }

  hubRbac(enabled: boolean | undefined): void {
    this.rbacKnown.set(enabled === undefined ? 0 : 1);
    this.rbacEnabled.set(enabled === true ? 1 : 0);
  }

  doctorCheck(check: string, role: string, status: 'ok' | 'warn' | 'fail'): void {
    this.doctor.set({ check, role }, status === 'ok' ? 0 : status === 'warn' ? 1 : 2);
  }

  liveGrants(count: number): void {
    this.grants.set(count);
  }

  pendingRequests(count: number): void {
    this.pending.set(count);
  }

  watchSlack(state: { connected: () => boolean; membershipFresh: () => boolean }): void {
    this.slackState = state;
  }
}
