import { diagnose, type Finding, type HubFacts, type SlackFacts } from './domain/doctor';
import type { Policy } from './domain/policy';
import type { Clock } from './domain/ports';
import type { Log } from './log';
import type { Metrics } from './metrics';

export interface CheckUpDeps {
  policy: Policy;
  clock: Clock;
  hubFacts: () => Promise<HubFacts>;
  slackFacts: () => Promise<SlackFacts>;
  /** When the bot's own hub credential ends: `null` never, undefined unknown. */
  credentialExpiresAt: () => Promise<Date | null | undefined>;
  log: Log;
  metrics: Metrics;
}

/**
 * The doctor as a use case: gathers the facts, diagnoses them, and reports every finding in
 * /metrics and every problem in the log (warn for a warning, an alert for a failure). The same
 * run answers `/karpor-token doctor` and the periodic check.
 */
export class CheckUp {
  constructor(private readonly deps: CheckUpDeps) {}

  async run(): Promise<Finding[]> {
    const { policy, clock, log, metrics } = this.deps;
    const [hub, slack, botCredentialExpiresAt] = await Promise.all([this.deps.hubFacts(), this.deps.slackFacts(), this.deps.credentialExpiresAt().catch(() => undefined)]);
    const findings = diagnose({ hub, slack, botCredentialExpiresAt }, policy, clock.now());
    for (const finding of findings) {
      const role = 'role' in finding ? finding.role : '';
      metrics.doctorCheck(finding.check, role, finding.status);
      const msg = `doctor: ${finding.check}${role ? ` ${role}` : ''} ${finding.status}`;
      if (finding.status === 'fail') log.error({ alert: true, doctor: finding }, msg);
      else if (finding.status === 'warn') log.warn({ doctor: finding }, msg);
    }
    log.info({ checks: findings.length, warn: count(findings, 'warn'), fail: count(findings, 'fail') }, 'doctor: check-up done');
    return findings;
  }
}

const count = (findings: Finding[], status: Finding['status']): number => findings.filter((f) => f.status === status).length;
