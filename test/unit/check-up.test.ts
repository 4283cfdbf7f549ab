// The check-up as a use case: every finding in /metrics, a warning as a warn line, a problem as an alert.
import { CheckUp } from '../../src/check-up';
import type { HubFacts, SlackFacts } from '../../src/domain/doctor';
import { KARPOR_DEFAULT_RULES } from '../../src/domain/karpor-defaults';
import { createLog } from '../../src/log';
import { METRIC_PREFIX, Metrics } from '../../src/metrics';
import { FakeClock, samplePolicy } from './fakes';

const hub: HubFacts = {
  rbac: false,
  anonymousReads: [{ path: '/rest-api/v1/clusters', status: 403 }],
  tokenMaximum: { askedSeconds: 9 * 3600, grantedSeconds: 3600 },
  clusterRoles: [
    { name: 'karpor-admin', rules: [...KARPOR_DEFAULT_RULES['karpor-admin']] },
    { name: 'karpor-guest', rules: [...KARPOR_DEFAULT_RULES['karpor-guest']] },
    { name: 'karpor-audit', rules: [] },
  ],
  botRefused: [],
};
const slack: SlackFacts = { grantedScopes: undefined, neededScopes: [], userGroups: 'unreadable', approvers: [{ role: 'admin', reachable: 1 }, { role: 'audit', reachable: 2 }] };

test('findings go to /metrics per check and role, warnings to warn lines, problems to alert lines', async () => {
  const lines: string[] = [];
  const metrics = new Metrics();
  const checkUp = new CheckUp({
    policy: samplePolicy(),
    clock: new FakeClock(),
    hubFacts: async () => hub,
    slackFacts: async () => slack,
    credentialExpiresAt: async () => {
      throw new Error('unreadable');
    },
    log: createLog('info', { write: (l: string) => void lines.push(l) }),
    metrics,
  });
  const findings = await checkUp.run();
  const logged = lines.map((l) => JSON.parse(l) as { level: string; msg: string; alert?: boolean });
  const problems = logged.filter((l) => l.msg.startsWith('doctor: ') && l.msg !== 'doctor: check-up done');
  expect(problems.map((l) => [l.msg, l.level, l.alert ?? false])).toEqual(
    findings.filter((f) => f.status !== 'ok').map((f) => [`doctor: ${f.check}${'role' in f ? ` ${f.role}` : ''} ${f.status}`, f.status === 'fail' ? 'error' : 'warn', f.status === 'fail']),
  );
  expect(problems.find((l) => l.msg === 'doctor: rbac fail')).toMatchObject({ level: 'error', alert: true });
  expect(problems.find((l) => l.msg === 'doctor: token-maximum warn')).toMatchObject({ level: 'warn' });
  const gauge = await metrics.registry.getSingleMetric(`${METRIC_PREFIX}doctor_check_status`)!.get();
  const value = (check: string, role = '') => gauge.values.find((v) => v.labels.check === check && v.labels.role === role)?.value;
  expect([value('rbac'), value('anonymous-reads'), value('token-maximum'), value('bot-credential'), value('preset-role', 'karpor-guest'), value('approvers', 'admin')]).toEqual([2, 0, 1, 1, 0, 0]);
  expect(gauge.values).toHaveLength(findings.length);
});
