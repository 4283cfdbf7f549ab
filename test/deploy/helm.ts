// Runs the pinned Helm (built by deploy/helm/install-helm.sh) and parses what it renders.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export const REPO = path.resolve(__dirname, '../..');
export const CHART = path.join(REPO, 'deploy/helm/karpor-token-bot');
export const RELEASE = 'karpor-token-bot';
export const NAMESPACE = 'karpor-token-bot';
// helm built with `go install` lacks the release build's default Kubernetes version (it says 1.20).
export const KUBE_VERSION = '1.34.0';

// Rendered manifests are checked field by field; `any` keeps those walks readable.
export type Obj = Record<string, any>;

export function helmBinary(): string {
  const version = readFileSync(path.join(REPO, 'deploy/helm/HELM_VERSION'), 'utf8').trim();
  const dir = process.env.HELM_BIN_DIR || path.join(REPO, '.hub/bin', `helm-${version}`);
  const bin = path.join(dir, 'helm');
  if (!existsSync(bin)) {
    throw new Error(`helm ${version} is not installed at ${bin}. Build it with: bash deploy/helm/install-helm.sh (CI runs that before the tests).`);
  }
  return bin;
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs helm with the given values written to a file (so types survive, unlike --set). */
export function helm(args: string[], values?: Obj): HelmResult {
  const dir = mkdtempSync(path.join(tmpdir(), 'karpor-helm-'));
  try {
    const extra: string[] = [];
    if (values) {
      const file = path.join(dir, 'values.yaml');
      writeFileSync(file, stringify(values));
      extra.push('--values', file);
    }
    const res = spawnSync(helmBinary(), [...args, ...extra], {
      encoding: 'utf8',
      // Keep helm away from the caller's repositories, caches and kubeconfig.
      env: { ...process.env, HELM_CACHE_HOME: dir, HELM_CONFIG_HOME: dir, HELM_DATA_HOME: dir, KUBECONFIG: path.join(dir, 'none') },
    });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseManifests(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null && typeof o === 'object');
}

export function templateArgs(): string[] {
  return ['template', RELEASE, CHART, '--namespace', NAMESPACE, '--kube-version', KUBE_VERSION];
}

/** `helm template` of the chart with these values; throws with helm's message on failure. */
export function render(values?: Obj, extraArgs: string[] = []): Obj[] {
  const res = helm([...templateArgs(), ...extraArgs], values);
  if (res.status !== 0) throw new Error(`helm template failed: ${res.stderr.trim()}`);
  return parseManifests(res.stdout);
}

export function only(objects: Obj[], kind: string): Obj {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

/**
 * NOTES.txt as `helm install` would print it. `helm template` leaves NOTES out, so this renders a
 * copy of the chart with one more template that includes it (every file of a chart is a named
 * template to Helm).
 */
export function renderNotes(values?: Obj): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'karpor-chart-'));
  try {
    const chart = path.join(dir, 'karpor-token-bot');
    cpSync(CHART, chart, { recursive: true });
    writeFileSync(path.join(chart, 'templates/zz-notes.yaml'), 'notes: {{ include "karpor-token-bot/templates/NOTES.txt" . | toJson }}\n');
    const res = helm(['template', RELEASE, chart, '--namespace', NAMESPACE, '--kube-version', KUBE_VERSION, '--show-only', 'templates/zz-notes.yaml'], values);
    if (res.status !== 0) throw new Error(`helm template failed: ${res.stderr.trim()}`);
    return String(parseManifests(res.stdout)[0]!.notes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const MANIFEST_START = '----- Slack app manifest (YAML) -----';
export const MANIFEST_END = '----- end of manifest -----';

/** The Slack app manifest NOTES.txt prints, as text. */
export function manifestIn(notes: string): string {
  const start = notes.indexOf(MANIFEST_START);
  const end = notes.indexOf(MANIFEST_END);
  if (start < 0 || end < start) throw new Error('NOTES.txt prints no Slack app manifest between its marker lines');
  return notes.slice(start + MANIFEST_START.length, end).replace(/^\n/, '');
}

/** Prometheus's own parser on each expression: "" when it parses, else its error (built by deploy/helm/install-helm.sh). */
export function promqlErrors(exprs: string[]): string[] {
  const goMod = readFileSync(path.join(REPO, 'test/deploy/promql/go.mod'), 'utf8');
  const version = /^require github\.com\/prometheus\/prometheus (\S+)$/m.exec(goMod)![1]!;
  const dir = process.env.PROMQL_CHECK_BIN_DIR || path.join(REPO, '.hub/bin', `promql-check-${version}`);
  const bin = path.join(dir, 'promql-check');
  if (!existsSync(bin)) throw new Error(`promql-check is not built at ${bin}. Build it with: bash deploy/helm/install-helm.sh`);
  const res = spawnSync(bin, [], { input: JSON.stringify(exprs), encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`promql-check failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as string[];
}
