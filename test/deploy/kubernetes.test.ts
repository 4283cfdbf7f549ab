// deploy/kubernetes/karpor-token-bot.yaml is the chart's default rendering for people without
// Helm; it must be exactly that, or the two would drift apart silently.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NAMESPACE, REPO, helmBinary, only, parseManifests, render, type Obj } from './helm';

const FILE = path.join(REPO, 'deploy/kubernetes/karpor-token-bot.yaml');
const plain = parseManifests(readFileSync(FILE, 'utf8'));

beforeAll(() => {
  helmBinary();
});

test('is the chart rendered with its defaults (else run deploy/kubernetes/generate.sh)', () => {
  const key = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  // The setup hook is run by hand without Helm (deploy/kubernetes/README.md).
  const chart = render(undefined, ['--no-hooks']);
  expect(plain.map(key).sort()).toEqual(chart.map(key).sort());
  for (const o of chart) expect(plain.find((p) => key(p) === key(o))).toEqual(o);
});

test('runs the bot with its probes and settings, in its own namespace', () => {
  const deployment = only(plain, 'Deployment');
  const container = deployment.spec.template.spec.containers[0];
  expect(deployment.metadata.namespace).toBe(NAMESPACE);
  expect(container.image).toMatch(/^karpor-token-bot:\d+\.\d+\.\d+$/);
  expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
  expect((container.env as Obj[]).map((e) => e.name)).toEqual(expect.arrayContaining(['SLACK_MODE', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'HUB_KUBECONFIG', 'HUB_CREDENTIAL_SECRET', 'POLICY_FILE']));
  expect(plain.filter((o) => o.kind === 'Job' || o.metadata.annotations?.['helm.sh/hook'])).toEqual([]);
});
