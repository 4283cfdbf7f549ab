// Every metric the bot registers is its own (prefixed, so it cannot be taken for Karpor's), says
// what it measures, and is in the README's table, which lists nothing else.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { METRIC_PREFIX, Metrics } from '../../src/metrics';

const README = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
const CHANGELOG = readFileSync(path.join(__dirname, '../../CHANGELOG.md'), 'utf8');

function nodeDefaults(): Set<string> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return new Set(registry.getMetricsAsArray().map((m) => m.name));
}

const metrics = new Metrics();
// Registered only once there is a token to tell of.
metrics.hubCredentialExpiry(new Date());
const all = metrics.registry.getMetricsAsArray();
const own = all.filter((m) => !nodeDefaults().has(m.name));

/** The metric names in the first column of the README's table under "Metrics". */
function readmeTable(): string[] {
  const section = README.split(/^#+ Metrics\s*$/m)[1]?.split(/^#/m)[0] ?? '';
  return [...section.matchAll(/^\| `([a-z_]+)(?:\{[^`]*\})?` \|/gm)].map((m) => m[1]!);
}

test('registers the bot\'s own metrics besides Node\'s process metrics', () => {
  expect(own.length).toBeGreaterThanOrEqual(10);
  expect(all.some((m) => m.name === 'process_resident_memory_bytes')).toBe(true);
});

test.each(own.map((m) => [m.name, m] as const))('%s has the prefix and a help text', (name, m) => {
  expect(name.startsWith(METRIC_PREFIX)).toBe(true);
  expect(m.help.length).toBeGreaterThan(15);
  expect(m.help).toMatch(/[.)]$/);
});

test('the README lists exactly the registered metrics', () => {
  expect(readmeTable().sort()).toEqual(own.map((m) => m.name).sort());
});

test('build_info names this version and the Node.js it runs on', async () => {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string };
  const info = await metrics.registry.getSingleMetric(`${METRIC_PREFIX}build_info`)!.get();
  expect(info.values).toEqual([{ value: 1, labels: { version: pkg.version, node_version: process.version } }]);
});

test('the hub\'s RBAC state is two clean 0/1 gauges', async () => {
  const m = new Metrics();
  const state = async () => Promise.all(['hub_rbac_known', 'hub_rbac_enabled'].map(async (n) => (await m.registry.getSingleMetric(METRIC_PREFIX + n)!.get()).values[0]!.value));
  expect(await state()).toEqual([0, 0]);
  m.hubRbac(true);
  expect(await state()).toEqual([1, 1]);
  m.hubRbac(false);
  expect(await state()).toEqual([1, 0]);
  m.hubRbac(undefined);
  expect(await state()).toEqual([0, 0]);
});

test('the changelog\'s renames lead to metrics the bot registers', () => {
  const renames = [...CHANGELOG.matchAll(/^\s*\| `(karpor_[a-z_]+)`[^|]* \| (.*) \|$/gm)];
  expect(renames.length).toBeGreaterThanOrEqual(8);
  for (const [, before, now] of renames) {
    expect(own.map((m) => m.name)).not.toContain(before);
    const names = [...now!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect([before, name, own.some((m) => m.name === name)]).toEqual([before, name, true]);
  }
});
