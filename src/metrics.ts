import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEvent } from './domain/ports';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const APPROVAL_EVENTS: Record<string, string> = {
  'request.opened': 'opened',
  'request.approved': 'approved',
  'request.denied': 'denied',
  'request.cancelled': 'cancelled',
  'request.expired': 'expired',
  'request.delivered': 'delivered',
  'request.failed': 'failed',
};

/** The bot's Prometheus metrics, in a registry of its own (several bots can share a process). */
export class Metrics {
  readonly registry = new Registry();
  private readonly tokens = new Counter({ name: 'karpor_tokens_issued_total', help: 'Tokens issued, by role.', labelNames: ['role'], registers: [this.registry] });
  private readonly commands = new Counter({ name: 'karpor_commands_total', help: 'Slash commands, by outcome.', labelNames: ['outcome'], registers: [this.registry] });
  private readonly approvals = new Counter({ name: 'karpor_approval_requests_total', help: 'Access-request state changes, by outcome.', labelNames: ['outcome'], registers: [this.registry] });
  private readonly toDm = new Histogram({ name: 'karpor_command_to_dm_seconds', help: 'From a slash command arriving to its token being in the DM.', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly hub = new Histogram({ name: 'karpor_hub_request_duration_seconds', help: 'Calls to the Karpor hub, by operation and outcome (ok or HTTP status / error).', labelNames: ['op', 'outcome'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly slack = new Histogram({ name: 'karpor_slack_request_duration_seconds', help: 'Slack Web API calls, by method and outcome (ok or error code).', labelNames: ['method', 'outcome'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly directory = new Counter({ name: 'karpor_group_membership_lookups_total', help: 'User-group membership look-ups: hit (cache), refresh (fetched from Slack), unavailable.', labelNames: ['result'], registers: [this.registry] });
  /** Only once there is a token to tell of (a certificate, in configmap mode, has none): never a 0 that reads as expired. */
  private credentialExpiry?: Gauge;
  private readonly rbac = new Gauge({ name: 'karpor_hub_rbac_enabled', help: '1 when the hub enforces RBAC, 0 when it accepts any token, -1 when unknown.', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.rbac.set(-1);
  }

  audited(event: AuditEvent): void {
    if (event.event === 'grant.issued') this.tokens.inc({ role: String(event.role) });
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
    this.credentialExpiry ??= new Gauge({ name: 'karpor_hub_credential_expiry_timestamp_seconds', help: "When the bot's own hub token expires (seconds since the epoch); it renews itself a third of its lifetime before.", registers: [this.registry] });
    this.credentialExpiry.set(at.getTime() / 1000);
  }

  hubRbac(enabled: boolean | undefined): void {
    this.rbac.set(enabled === undefined ? -1 : enabled ? 1 : 0);
  }
}
