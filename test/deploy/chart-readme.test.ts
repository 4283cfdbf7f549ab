// The chart README's values table is generated from the comments in values.yaml (helm-docs, by
// deploy/helm/gen-readme.sh): it must be current, and every value must be described.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CHART, REPO, type Obj } from './helm';

const README = readFileSync(path.join(CHART, 'README.md'), 'utf8');

function generated(): string {
  const res = spawnSync('bash', [path.join(REPO, 'deploy/helm/gen-readme.sh'), '--stdout'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`gen-readme.sh failed: ${res.stderr}`);
  return res.stdout;
}

/** Rows of the values table: key → description. */
function table(text: string): Map<string, string> {
  const rows = [...text.matchAll(/^\| ([\w.]+) \| \w+ \| .* \| (.*) \|$/gm)];
  return new Map(rows.map((m) => [m[1]!, m[2]!.trim()]));
}

test('README.md is what gen-readme.sh writes (else run deploy/helm/gen-readme.sh)', () => {
  expect(README).toBe(generated());
});

test('every value in values.yaml is in the table, with a description', () => {
  const rows = table(README);
  expect(rows.size).toBeGreaterThan(40);
  for (const [key, description] of rows) expect([key, description.length > 0]).toEqual([key, true]);
  // A key is covered by its own row or by a row of a map that holds it (probes.startup, resources…).
  const covered = (key: string) => [...rows.keys()].some((row) => key === row || key.startsWith(`${row}.`));
  const walk = (value: unknown, at: string): void => {
    if (at && covered(at)) return;
    if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) {
      throw new Error(`values.yaml: ${at} has no "# --" description, so the README table leaves it out`);
    }
    for (const [k, v] of Object.entries(value as Obj)) walk(v, at ? `${at}.${k}` : k);
  };
  walk(parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')), '');
});
