// No container engine runs here, so the image recipe is checked by reading it: the properties
// an operator relies on (supported Node LTS, lockfile installs, no dev dependencies at run time,
// a numeric non-root user, a read-only-friendly runtime) must not regress unnoticed.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const REPO = path.resolve(__dirname, '../..');
const DOCKERFILE = readFileSync(path.join(REPO, 'deploy/Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(path.join(REPO, '.dockerignore'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string; description: string; license: string; main: string; scripts: Record<string, string>; engines: { node: string } };
const chart = parse(readFileSync(path.join(REPO, 'deploy/helm/karpor-token-bot/Chart.yaml'), 'utf8')) as { sources: string[] };

/** End of life of each Node LTS line (the Node.js release schedule). Add new lines as they come. */
const LTS_END: Record<number, string> = { 22: '2027-04-30', 24: '2028-04-30', 26: '2029-04-30' };

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  steps: Instruction[];
}

function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** ARGs declared before the first FROM, with their defaults. */
const globalArgs: Record<string, string> = {};

function stages(text: string): Stage[] {
  const args = globalArgs;
  const out: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.op === 'ARG' && out.length === 0) {
      const [k, v = ''] = ins.args.split('=');
      args[k!] = v;
    } else if (ins.op === 'FROM') {
      const [image, as, name] = ins.args.split(/\s+/);
      const from = image!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string, b: string) => args[a ?? b] ?? '');
      out.push({ from, ...(as?.toUpperCase() === 'AS' && { name }), steps: [] });
    } else {
      out.at(-1)?.steps.push(ins);
    }
  }
  return out;
}

const all = stages(DOCKERFILE);
const final = all.at(-1)!;
const runs = (s: Stage) => s.steps.filter((i) => i.op === 'RUN').map((i) => i.args);
const last = (s: Stage, op: string) => s.steps.filter((i) => i.op === op).at(-1)?.args;

test('is multi-stage, every stage on a supported Node LTS image', () => {
  expect(all.length).toBeGreaterThanOrEqual(2);
  for (const stage of all) {
    const m = /^node:(\d+)(?:[.\d]*)(?:-(slim|alpine[\d.]*|bookworm-slim|trixie-slim))?(@sha256:[0-9a-f]{64})?$/.exec(stage.from);
    expect(m).not.toBeNull();
    const major = Number(m![1]);
    const end = LTS_END[major];
    if (!end) throw new Error(`node:${major} is not a Node LTS line this test knows (${Object.keys(LTS_END).join(', ')})`);
    if (new Date(`${end}T00:00:00Z`) <= new Date()) throw new Error(`Node ${major} reached end of life on ${end}: move deploy/Dockerfile to a newer LTS`);
  }
});

test('builds with the lockfile and the project\'s own build script', () => {
  const build = all.find((s) => runs(s).some((r) => r.includes('npm run build')));
  expect(build).toBeDefined();
  expect(build).not.toBe(final);
  expect(runs(build!)).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci(\s|$)/)]));
  expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
  for (const r of all.flatMap(runs)) expect(r).not.toMatch(/npm (install|i)(\s|$)/);
});

test('the final stage installs production dependencies only, from the lockfile', () => {
  const installs = runs(final).filter((r) => /\bnpm\b/.test(r));
  expect(installs).toHaveLength(1);
  expect(installs[0]).toMatch(/^npm ci .*--omit=dev/);
  const copies = final.steps.filter((i) => i.op === 'COPY');
  const fromBuild = copies.filter((c) => c.args.startsWith('--from='));
  // The compiled code comes from the build stage; its node_modules (with dev deps) never do.
  expect(fromBuild.map((c) => c.args)).toEqual([expect.stringMatching(/\/app\/dist \.\/dist$/)]);
  for (const c of copies) expect(c.args).not.toMatch(/node_modules|\bsrc\b/);
});

test('runs as a numeric non-root user, in production mode, on port 3000, with node and the built entry point', () => {
  const user = last(final, 'USER');
  expect(user).toMatch(/^\d+(:\d+)?$/);
  expect(Number(user!.split(':')[0])).toBeGreaterThan(0);
  expect(final.steps.filter((i) => i.op === 'ENV').map((i) => i.args)).toContain('NODE_ENV=production');
  expect(last(final, 'EXPOSE')).toBe('3000');
  // The image starts the bot as `npm start` does, V8 flags included.
  expect(JSON.parse(last(final, 'CMD')!)).toEqual(pkg.scripts.start!.split(' '));
  expect(pkg.scripts.start).toMatch(/^node (--[a-z-]+=\d+ )*dist\/main\.js$/);
  expect(pkg.main).toBe('dist/main.js');
  // Nothing runs after USER that would need root or write into the image at start.
  const afterUser = final.steps.slice(final.steps.findIndex((i) => i.op === 'USER'));
  expect(afterUser.filter((i) => i.op === 'RUN')).toEqual([]);
});

test('.dockerignore keeps secrets, caches and local builds out of the build context', () => {
  const patterns = DOCKERIGNORE.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  // Only top-level names matter here; the last matching pattern wins, as in Docker.
  const ignored = (name: string) =>
    patterns.reduce((acc, p) => {
      const negate = p.startsWith('!');
      const pat = (negate ? p.slice(1) : p).replace(/\/$/, '');
      const re = new RegExp(`^${pat.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      return re.test(name) ? !negate : acc;
    }, false);
  for (const name of ['.env', '.env.local', 'node_modules', 'dist', '.git', '.hub', 'coverage', 'test', 'docs', 'bench', 'demo', 'deploy', 'hub.kubeconfig', 'bot-hub.kubeconfig', 'policy.yaml']) expect([name, ignored(name)]).toEqual([name, true]);
  for (const name of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src']) expect([name, ignored(name)]).toEqual([name, false]);
});

test('no production dependency needs an install script (the image installs with --ignore-scripts)', () => {
  const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> };
  const needing = Object.entries(lock.packages).filter(([name, p]) => name && p.hasInstallScript && !p.dev).map(([name]) => name);
  expect(needing).toEqual([]);
  expect(runs(final).find((r) => /^npm ci /.test(r))).toMatch(/--ignore-scripts/);
});

/** LABEL key="value" pairs of a stage, with build args at their defaults. */
function labels(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ins of stage.steps.filter((i) => i.op === 'LABEL')) {
    for (const m of ins.args.matchAll(/([\w.-]+)="([^"]*)"/g)) out[m[1]!] = m[2]!.replace(/\$\{(\w+)\}/g, (_x, a: string) => globalArgs[a] ?? '');
  }
  return out;
}

test('the image carries the OCI labels: what it is, where it comes from, its licence and version', () => {
  const l = labels(final);
  expect(l).toEqual({
    'org.opencontainers.image.title': 'karpor-token-bot',
    'org.opencontainers.image.description': pkg.description,
    'org.opencontainers.image.source': chart.sources[0],
    'org.opencontainers.image.licenses': pkg.license,
    'org.opencontainers.image.version': pkg.version,
    'org.opencontainers.image.revision': 'unknown',
  });
  // The runtime stage takes the version and revision from build args, so a build can set them.
  expect(final.steps.filter((i) => i.op === 'ARG').map((i) => i.args)).toEqual(['VERSION', 'REVISION']);
});

test('the base image\'s Node is one the project supports and tests on', () => {
  const major = Number(/^node:(\d+)/.exec(final.from)![1]);
  // package.json's engines floor is what CI tests first; the image runs a newer LTS line within that range.
  expect(major).toBeGreaterThanOrEqual(Number(/>=\s*(\d+)/.exec(pkg.engines.node)![1]));
  expect([22, 24]).toContain(major);
});
