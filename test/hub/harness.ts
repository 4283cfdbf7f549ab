// Starts a real, loopback-only kube-apiserver + etcd ("test hub") for tests and local runs,
// behind a front that makes it answer like Karpor's server where the bot depends on it (README.md).
import { spawn, execFile, ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as https from 'node:https';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { makeCa, makeCert } from './certs';
import { IDENTITY_HEADERS, startFront } from './front';

export interface RunningHub {
  /**
   * The hub's address, https://127.0.0.1:PORT: the front (front.ts) before kube-apiserver; for a
   * host cluster, kube-apiserver itself.
   */
  server: string;
  /** kube-apiserver alone, behind the front: not Karpor-like; only for looking at it directly. */
  apiServer: string;
  /** Admin kubeconfig (a bearer token in group system:masters) inside `dir`. */
  kubeconfigPath: string;
  /**
   * A kubeconfig like the one Karpor's cert job leaves in the host cluster's ConfigMap
   * karpor/karpor-kubeconfig: client certificate CN=kubernetes-admin, O=system:masters, and
   * insecure-skip-tls-verify.
   */
  certKubeconfigPath: string;
  /** Whether the hub enforces RBAC (Karpor's --enable-rbac). */
  rbac: boolean;
  metricsUrl?: string;
  binDir: string;
  /** The hub's private temp directory; removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

export interface StartHubOptions {
  /** Parent directory for the hub's temp directory (default: the OS temp dir). */
  dir?: string;
  log?: (s: string) => void;
  /** Sets --service-account-max-token-expiration (the apiserver accepts no less than 3600). */
  maxTokenSeconds?: number;
  /** Karpor's --enable-rbac (default true). Off: every request is allowed and its token ignored. */
  rbac?: boolean;
  /**
   * A plain kube-apiserver for the HOST cluster (where Karpor and the bot are installed), not a
   * hub: every API on (ConfigMaps included), no front, no Karpor roles; client certificates are
   * checked by kube-apiserver itself. For tests of what runs in the host cluster (the setup hook).
   */
  host?: boolean;
}

const hubDir = __dirname;
const repoRoot = path.resolve(hubDir, '..', '..');
const ADMIN_USER = 'karpor-test-admin';
/** The version the front reports in /server-configs: the Karpor release this hub stands in for. */
export const KARPOR_VERSION = 'v0.6.4';
const FRONT_USER = 'karpor-test-hub-front';

/**
 * What Karpor's server does not serve, switched off here so that nothing can come to rely on it:
 * TokenReview and SelfSubjectReview (authentication.k8s.io), every access review
 * (authorization.k8s.io), Leases, ConfigMaps, and the workload groups. TokenRequest
 * (core/v1 serviceaccounts/token) stays. Some core resources kube-apiserver needs for itself
 * (services, endpoints, nodes, limit ranges, resource quotas) stay on: its start-up hooks and
 * admission informers wait for them.
 */
const RUNTIME_CONFIG = [
  'authentication.k8s.io/v1=false',
  'authorization.k8s.io/v1=false',
  'coordination.k8s.io/v1=false',
  'admissionregistration.k8s.io/v1=false',
  'apps/v1=false',
  'autoscaling/v1=false',
  'autoscaling/v2=false',
  'batch/v1=false',
  'certificates.k8s.io/v1=false',
  'events.k8s.io/v1=false',
  'policy/v1=false',
  'resource.k8s.io/v1=false',
  // Core resources are named "/v1/<resource>": kube-apiserver rewrites "v1/…" and "api/v1/…" to all of /v1.
  ...['configmaps', 'bindings', 'componentstatuses', 'events', 'persistentvolumeclaims', 'persistentvolumes', 'podtemplates', 'replicationcontrollers'].map((r) => `/v1/${r}=false`),
];

/**
 * Karpor's server runs without the webhook, NamespaceLifecycle and admission-policy plugins;
 * ServiceAccount admission expects a controller-manager, which neither has.
 */
const DISABLED_ADMISSION = ['ServiceAccount', 'MutatingAdmissionWebhook', 'NamespaceLifecycle', 'ValidatingAdmissionWebhook', 'ValidatingAdmissionPolicy', 'MutatingAdmissionPolicy'];

/** Karpor's preset roles, read from ../shared/karpor (or KARPOR_ROLES_DIR): the project keeps no copy. */
export function karporRolesDir(): string {
  return process.env.KARPOR_ROLES_DIR || path.resolve(repoRoot, '..', 'shared', 'karpor');
}

function karporRoleFiles(): string[] {
  const dir = karporRolesDir();
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  } catch {
    // reported below
  }
  if (files.length === 0) {
    throw new Error(
      `Karpor's role files (default-karpor-admin-rbac.yaml, default-karpor-guest-rbac.yaml, default-anonymous-rbac.yaml from KusionStack/karpor config/) are not in ${dir}: put them there or set KARPOR_ROLES_DIR`,
    );
  }
  return files.map((f) => path.join(dir, f));
}

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 10_000;

function k8sVersion(): string {
  return process.env.K8S_VERSION || fs.readFileSync(path.join(hubDir, 'K8S_VERSION'), 'utf8').trim();
}

/** Same location build.sh uses. */
export function hubBinDir(): string {
  return process.env.HUB_BIN_DIR || path.join(repoRoot, '.hub', 'bin', k8sVersion());
}

function binariesPresent(binDir: string): boolean {
  return ['kube-apiserver', 'kubectl', 'etcd'].every((b) => {
    try {
      fs.accessSync(path.join(binDir, b), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Builds the hub binaries with build.sh when they are missing, streaming its progress lines. */
export async function ensureHubBinaries(log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<string> {
  const binDir = hubBinDir();
  if (binariesPresent(binDir)) return binDir;
  log(`hub binaries missing in ${binDir}: building them with test/hub/build.sh (a cold build takes 10-20 minutes)`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [path.join(hubDir, 'build.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (buf: Buffer): void => {
      for (const line of buf.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        log(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`test/hub/build.sh failed (${signal ?? code}):\n${tail.join('\n')}`));
    });
  });
  if (!binariesPresent(binDir)) throw new Error(`build.sh finished but the binaries are not in ${binDir}`);
  return binDir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

// The program is exec'd by sh, so the spawned pid is the program itself; a background loop
// (same process group) watches the program's parent and, once node is gone (the program has
// been re-parented), kills it and removes the hub dir, so nothing outlives node even after
// SIGKILL. An orphaned hub gets only a short grace period: the apiserver's graceful shutdown
// can hang for long once etcd is gone. $1 is the hub dir.
const WATCHDOG = `
me=$$
parent=$PPID
cleanup=$1
shift
# prints "<state> <ppid>" of pid $1, nothing once it is gone
stat_of() {
  if [ -r /proc/$1/stat ]; then
    read -r _ _ s p _ 2>/dev/null < /proc/$1/stat && echo "$s $p"
  else
    ps -o stat= -o ppid= -p "$1" 2>/dev/null | awk '{ print $1" "$2 }'
  fi
}
alive() {
  case "$(stat_of "$me")" in ''|Z*) return 1 ;; esac
}
(
  while :; do
    sleep 1
    st=$(stat_of "$me")
    [ -n "$st" ] || exit 0
    if [ "\${st#* }" != "$parent" ]; then
      kill -TERM "$me" 2>/dev/null
      i=0
      while [ $i -lt 4 ] && alive; do sleep 0.5; i=$((i+1)); done
      kill -KILL "$me" 2>/dev/null
      rm -rf "$cleanup" 2>/dev/null
      exit 0
    fi
  done
) </dev/null &
exec "$@"
`;

interface Proc {
  name: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<void>;
  exitInfo?: string;
}

function startProc(name: string, bin: string, args: string[], logPath: string, cleanupDir: string): Proc {
  const fd = fs.openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    // detached: own process group, so a terminal Ctrl-C reaches only node, which then stops the hub.
    child = spawn('sh', ['-c', WATCHDOG, `${name}-watchdog`, cleanupDir, bin, ...args], {
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    fs.closeSync(fd);
  }
  const proc: Proc = { name, child, logPath, exited: Promise.resolve() };
  proc.exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      proc.exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    child.on('error', (err) => {
      proc.exitInfo = `spawn error: ${err.message}`;
      resolve();
    });
  });
  return proc;
}

function killGroup(proc: Proc, signal: NodeJS.Signals): void {
  if (proc.child.pid === undefined) return;
  try {
    process.kill(-proc.child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopProc(proc: Proc): Promise<void> {
  if (proc.exitInfo === undefined) {
    killGroup(proc, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      proc.exited.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (timedOut) killGroup(proc, 'SIGKILL');
    await proc.exited;
  }
  // The watchdog loop and its sleep share the group.
  killGroup(proc, 'SIGKILL');
}

function tailOf(file: string, lines = 40): string {
  try {
    const all = fs.readFileSync(file, 'utf8').split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function get(url: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.request(
      url,
      {
        method: 'GET',
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        rejectUnauthorized: false,
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(what: string, procs: Proc[], timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const dead = procs.find((p) => p.exitInfo !== undefined);
    if (dead) throw new Error(`${dead.name} exited (${dead.exitInfo}) while waiting for ${what}`);
    try {
      if (await check()) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (${last})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function run(bin: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(bin)} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(input ?? '');
  });
}

export function kubectl(hub: RunningHub, args: string[], input?: string): Promise<string> {
  return run(path.join(hub.binDir, 'kubectl'), ['--kubeconfig', hub.kubeconfigPath, ...args], input);
}

/** Admin kubeconfig with a bearer token; TLS verification off because the serving cert is self-signed. */
export function adminKubeconfigYaml(server: string, token: string): string {
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test-hub', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: ADMIN_USER, user: { token } }],
    contexts: [{ name: 'test-hub', context: { cluster: 'test-hub', user: ADMIN_USER } }],
    'current-context': 'test-hub',
  });
}

/** A kubeconfig with an embedded client certificate, as Karpor's cert job writes it. */
export function certKubeconfigYaml(server: string, cert: Buffer, key: Buffer): string {
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'karpor', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'karpor', user: { 'client-certificate-data': cert.toString('base64'), 'client-key-data': key.toString('base64') } }],
    contexts: [{ name: 'karpor', context: { cluster: 'karpor', user: 'karpor' } }],
    'current-context': 'karpor',
  });
}

// Hubs still running when node exits normally (e.g. a crash without teardown) are killed here.
const live = new Set<{ procs: Proc[]; dir: string }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const h of live) {
      for (const p of h.procs) killGroup(p, 'SIGKILL');
      try {
        fs.rmSync(h.dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

/**
 * Ports are picked free, then bound by etcd and kube-apiserver: another test's process can take
 * one in between. Such a start is tried again.
 */
export async function startHub(opts: StartHubOptions = {}): Promise<RunningHub> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startHubOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startHubOnce(opts: StartHubOptions): Promise<RunningHub> {
  const log = opts.log ?? (() => undefined);
  if (opts.maxTokenSeconds !== undefined && !(opts.maxTokenSeconds >= 3600 && opts.maxTokenSeconds <= 2 ** 32)) {
    throw new Error(`maxTokenSeconds must be between 3600 and 2^32 (kube-apiserver refuses to start otherwise), got ${opts.maxTokenSeconds}`);
  }
  const binDir = hubBinDir();
  const host = opts.host ?? false;
  if (host && opts.rbac === false) throw new Error('a host cluster has no Karpor --enable-rbac to turn off');
  if (!host) karporRoleFiles();
  if (!binariesPresent(binDir)) throw new Error(`hub binaries missing in ${binDir}: run ensureHubBinaries() or bash test/hub/build.sh`);

  const dir = await fsp.mkdtemp(path.join(opts.dir ?? os.tmpdir(), host ? 'karpor-test-host-' : 'karpor-test-hub-'));
  const procs: Proc[] = [];
  const entry = { procs, dir };
  installExitHook();
  live.add(entry);

  let stopped: Promise<void> | undefined;
  let stopFront: (() => Promise<void>) | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await stopFront?.();
      // apiserver first, so it does not spin on a vanished etcd.
      for (const p of [...procs].reverse()) await stopProc(p);
      live.delete(entry);
      await fsp.rm(dir, { recursive: true, force: true });
    })());

  try {
    const [etcdPort, apiPort] = [await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const apiServer = `https://127.0.0.1:${apiPort}`;

    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    const saKey = path.join(dir, 'sa.key');
    const saPub = path.join(dir, 'sa.pub');
    await fsp.writeFile(saKey, privateKey, { mode: 0o600 });
    await fsp.writeFile(saPub, publicKey);

    const pki = path.join(dir, 'pki');
    await fsp.mkdir(pki, { mode: 0o700 });
    const [clientCa, frontCa, servingCa] = await Promise.all([makeCa(pki, 'client-ca'), makeCa(pki, 'front-proxy-ca'), makeCa(pki, 'serving-ca')]);
    const [asserting, serving, karporAdmin] = await Promise.all([
      makeCert(pki, 'front-proxy-client', frontCa, { cn: FRONT_USER }),
      makeCert(pki, 'serving', servingCa, { cn: '127.0.0.1', ip: '127.0.0.1' }),
      makeCert(pki, 'karpor-admin', clientCa, { cn: 'kubernetes-admin', o: ['system:masters'] }),
    ]);

    const adminToken = randomBytes(32).toString('hex');
    const tokenFile = path.join(dir, 'admin-token.csv');
    await fsp.writeFile(tokenFile, `${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });

    log(`starting etcd on ${etcdUrl}`);
    const etcd = startProc('etcd', path.join(binDir, 'etcd'), [
      '--name', 'test-hub',
      '--data-dir', path.join(dir, 'etcd'),
      '--listen-client-urls', etcdUrl,
      '--advertise-client-urls', etcdUrl,
      '--listen-peer-urls', 'http://localhost:0',
      '--unsafe-no-fsync',
      '--log-level', 'warn',
    ], path.join(dir, 'etcd.log'), dir);
    procs.push(etcd);
    await waitFor('etcd /health', procs, 30_000, async () => (await get(`${etcdUrl}/health`)).status === 200);

    log(`starting kube-apiserver on ${apiServer}`);
    const apiArgs = [
      '--etcd-servers', etcdUrl,
      '--bind-address', '127.0.0.1',
      '--advertise-address', '127.0.0.1',
      '--secure-port', String(apiPort),
      '--cert-dir', path.join(dir, 'certs'),
      '--service-cluster-ip-range', '10.0.0.0/24',
      '--authorization-mode', 'RBAC',
      '--anonymous-auth=true',
      '--token-auth-file', tokenFile,
      // The front names the user of a client certificate (or, with RBAC off, the allow-all user).
      '--requestheader-client-ca-file', frontCa.certPath,
      '--requestheader-allowed-names', FRONT_USER,
      '--requestheader-username-headers', IDENTITY_HEADERS.user,
      '--requestheader-group-headers', IDENTITY_HEADERS.group,
      '--requestheader-extra-headers-prefix', 'x-remote-extra-',
      // kube-apiserver always sets aud (--api-audiences defaults to the issuer); Karpor's tokens have none.
      '--service-account-issuer', 'karpor',
      '--api-audiences', 'karpor',
      '--service-account-key-file', saPub,
      '--service-account-signing-key-file', saKey,
      ...(host
        ? // Kubernetes as it comes; ServiceAccount admission would wait for a controller-manager.
          ['--client-ca-file', clientCa.certPath, '--disable-admission-plugins', 'ServiceAccount']
        : ['--runtime-config', RUNTIME_CONFIG.join(','), '--disable-admission-plugins', DISABLED_ADMISSION.join(',')]),
    ];
    if (opts.maxTokenSeconds !== undefined) apiArgs.push('--service-account-max-token-expiration', `${opts.maxTokenSeconds}s`);
    const apiserver = startProc('kube-apiserver', path.join(binDir, 'kube-apiserver'), apiArgs, path.join(dir, 'kube-apiserver.log'), dir);
    procs.push(apiserver);

    const started = Date.now();
    await waitFor('kube-apiserver /readyz', procs, READY_TIMEOUT_MS, async () => {
      const res = await get(`${apiServer}/readyz`, adminToken);
      return res.status === 200;
    });
    log(`kube-apiserver ready after ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const rbac = opts.rbac ?? true;
    let server = apiServer;
    if (!host) {
      const front = await startFront({ upstream: apiServer, rbac, version: KARPOR_VERSION, serving, clientCaPath: clientCa.certPath, asserting });
      stopFront = front.stop;
      server = front.url;
      log(`front on ${server} (RBAC ${rbac ? 'on' : 'off'})`);
    }

    const kubeconfigPath = path.join(dir, 'admin.kubeconfig');
    await fsp.writeFile(kubeconfigPath, adminKubeconfigYaml(server, adminToken), { mode: 0o600 });
    const certKubeconfigPath = path.join(dir, 'karpor.kubeconfig');
    await fsp.writeFile(certKubeconfigPath, certKubeconfigYaml(server, fs.readFileSync(karporAdmin.certPath), fs.readFileSync(karporAdmin.keyPath)), { mode: 0o600 });

    const hub: RunningHub = { server, apiServer, kubeconfigPath, certKubeconfigPath, rbac, binDir, dir, stop };
    if (host) return hub;
    const roles = karporRoleFiles();
    await kubectl(hub, ['apply', ...roles.flatMap((f) => ['-f', f])]);
    log(`applied Karpor's roles from ${karporRolesDir()}: ${roles.map((f) => path.basename(f)).join(', ')}`);
    return hub;
  } catch (err) {
    // The process that died first is the likely culprit: show its log first.
    const ordered = [...procs].sort((a, b) => Number(b.exitInfo !== undefined) - Number(a.exitInfo !== undefined));
    const tails = ordered.map((p) => `--- ${p.name} log (tail) ---\n${tailOf(p.logPath)}`).join('\n');
    await stop();
    throw new Error(`test hub failed to start: ${(err as Error).message}\n${tails}`);
  }
}
