// The Helm chart, rendered with the value sets an operator would use, checked field by field,
// and the configuration it renders fed to the bot's own env and policy loaders.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadSettings } from '../../src/config/env';
import { policyFrom } from '../../src/config/policy-file';
import { CHART, NAMESPACE, helm, helmBinary, only, render, type Obj } from './helm';

const appVersion = String((parse(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Obj).appVersion);
const FAKE_SECRETS: Record<string, string> = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'signing-secret', SLACK_APP_TOKEN: 'xapp-test' };

// Karpor's superuser kubeconfig in the pod: only on explicit request.
const SUPERUSER = { hub: { access: 'configmap', configmap: { allowSuperuser: true } } };

const VALUE_SETS: Record<string, Obj> = {
  'http mode (defaults)': {},
  'socket mode': { slack: { mode: 'socket' } },
  '3 replicas': { replicaCount: 3 },
  'Karpor\'s superuser kubeconfig, opted in': SUPERUSER,
  'kubeconfigSecret hub access, Secret made by hand': { hub: { access: 'kubeconfigSecret', setup: { enabled: false }, renew: false } },
  'http mode with an Ingress': { ingress: { enabled: true, className: 'nginx', host: 'bot.example.com', tlsSecretName: 'bot-tls' } },
};

/** The objects that stay installed: the setup hook's are deleted once it has run (test/deploy/hub-setup.test.ts). */
const served = (objects: Obj[]) => objects.filter((o) => !o.metadata.annotations?.['helm.sh/hook']);
const kinds = (objects: Obj[]) => served(objects).map((o) => o.kind).sort();
const deploymentOf = (objects: Obj[]) => only(objects, 'Deployment');
const podOf = (objects: Obj[]) => deploymentOf(objects).spec.template.spec as Obj;
const containerOf = (objects: Obj[]) => {
  const containers = podOf(objects).containers as Obj[];
  expect(containers).toHaveLength(1);
  return containers[0]!;
};
const envOf = (objects: Obj[]): Obj[] => containerOf(objects).env;
const plainEnv = (objects: Obj[]) => Object.fromEntries(envOf(objects).filter((e) => 'value' in e).map((e) => [e.name, e.value]));
const secretEnv = (objects: Obj[]) => Object.fromEntries(envOf(objects).filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom.secretKeyRef]));

/** The environment the pod would see, with made-up Slack credentials for the Secret's keys. */
function podEnvironment(objects: Obj[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of envOf(objects)) {
    if ('value' in e) env[e.name] = String(e.value);
    else env[e.name] = FAKE_SECRETS[e.valueFrom.secretKeyRef.key]!;
  }
  return env;
}

/** The file a mount path shows: which volume, and which key of its ConfigMap or Secret. */
function fileAt(objects: Obj[], file: string): { volume: Obj; key: string } {
  const mounts = containerOf(objects).volumeMounts as Obj[];
  const volumes = podOf(objects).volumes as Obj[];
  for (const m of mounts) {
    const volume = volumes.find((v) => v.name === m.name)!;
    if (m.subPath && m.mountPath === file) return { volume, key: m.subPath };
    if (!m.subPath && file.startsWith(`${m.mountPath}/`)) {
      const rel = file.slice(m.mountPath.length + 1);
      const item = ((volume.secret ?? volume.configMap)?.items as Obj[] | undefined)?.find((i) => i.path === rel);
      return { volume, key: item ? item.key : rel };
    }
  }
  throw new Error(`nothing is mounted at ${file}`);
}

beforeAll(() => {
  // Fails (never skips) without helm: CI installs it first.
  helmBinary();
});

describe('helm lint', () => {
  test.each(Object.entries(VALUE_SETS))('passes with %s', (_name, values) => {
    const res = helm(['lint', '--strict', CHART], values);
    expect(res.stderr + res.stdout).toContain('0 chart(s) failed');
    expect(res.status).toBe(0);
  });
});

describe('HTTP mode, hub kubeconfig from Karpor\'s ConfigMap (opted in)', () => {
  const objects = served(render(SUPERUSER));
  const container = containerOf(objects);
  const pod = podOf(objects);

  test('renders exactly the objects for this mode', () => {
    expect(kinds(objects)).toEqual(['ConfigMap', 'Deployment', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
    for (const o of objects) if (o.kind !== 'Role' && o.kind !== 'RoleBinding') expect(o.metadata.namespace).toBe(NAMESPACE);
  });

  test('runs the chart\'s own image, one replica, rolling without losing the only pod', () => {
    const d = deploymentOf(objects);
    expect(container.image).toBe(`karpor-token-bot:${appVersion}`);
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
  });

  test('probes /healthz and /readyz on the port the bot listens on', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(plainEnv(objects).PORT).toBe('3000');
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  test('runs locked down: non-root, read-only root, no privilege escalation, no capabilities, seccomp', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.enableServiceLinks).toBe(false);
  });

  test('has a writable /tmp, resources, and time to stop cleanly', () => {
    const tmp = fileAt(objects, '/tmp/x');
    expect(tmp.volume.emptyDir).toBeDefined();
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
    expect(container.lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(container.lifecycle.preStop.sleep.seconds + 10);
  });

  test('takes the Slack credentials from the existing Secret, and nothing else from any Secret', () => {
    expect(secretEnv(objects)).toEqual({
      SLACK_BOT_TOKEN: { name: 'karpor-token-bot-slack', key: 'SLACK_BOT_TOKEN' },
      SLACK_SIGNING_SECRET: { name: 'karpor-token-bot-slack', key: 'SLACK_SIGNING_SECRET' },
    });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('points the bot at Karpor\'s kubeconfig ConfigMap and the in-cluster hub address', () => {
    expect(plainEnv(objects)).toEqual({
      SLACK_MODE: 'http',
      HUB_KUBECONFIG_CONFIGMAP: 'karpor/karpor-kubeconfig:config',
      HUB_ALLOW_SUPERUSER: 'true',
      HUB_SERVER: 'https://karpor-server.karpor.svc:7443',
      HUB_NAMESPACE: 'karpor-token-bot',
      HUB_TIMEOUT_MS: '10000',
      POLICY_FILE: '/etc/karpor-token-bot/policy.yaml',
      PORT: '3000',
      LOG_LEVEL: 'info',
    });
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  test('lets its ServiceAccount get that one ConfigMap in Karpor\'s namespace, nothing more', () => {
    const role = only(objects, 'Role');
    const binding = only(objects, 'RoleBinding');
    expect(role.metadata.namespace).toBe('karpor');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['karpor-kubeconfig'], verbs: ['get'] }]);
    expect(binding.metadata.namespace).toBe('karpor');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: NAMESPACE }]);
    expect(only(objects, 'ServiceAccount').metadata.name).toBe(pod.serviceAccountName);
  });

  test('mounts the policy from a ConfigMap at POLICY_FILE', () => {
    const { volume, key } = fileAt(objects, plainEnv(objects).POLICY_FILE);
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name)!;
    expect(cm.data[key]).toEqual(expect.any(String));
  });

  test('exposes the bot through a Service on its http port', () => {
    const svc = only(objects, 'Service');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(deploymentOf(objects).spec.selector.matchLabels);
  });

  test('renders an environment and a policy the bot accepts', () => {
    const settings = loadSettings(podEnvironment(objects));
    expect(settings.slack.mode).toBe('http');
    expect(settings.hub.source).toEqual({ kind: 'configmap', namespace: 'karpor', name: 'karpor-kubeconfig', key: 'config', server: 'https://karpor-server.karpor.svc:7443' });
    expect(settings.port).toBe(3000);
    const { volume, key } = fileAt(objects, settings.policyFile);
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name)!;
    const policy = policyFrom(parse(cm.data[key]));
    expect(policy.roles.map((r) => r.clusterRole).sort()).toEqual(['karpor-admin', 'karpor-guest']);
  });
});

describe('Socket Mode', () => {
  const objects = served(render(VALUE_SETS['socket mode']));

  test('exposes nothing: no Service, no Ingress', () => {
    expect(kinds(objects)).toEqual(['ConfigMap', 'Deployment', 'Role', 'RoleBinding', 'ServiceAccount']);
  });

  test('takes the app-level token instead of the signing secret', () => {
    expect(secretEnv(objects)).toEqual({
      SLACK_BOT_TOKEN: { name: 'karpor-token-bot-slack', key: 'SLACK_BOT_TOKEN' },
      SLACK_APP_TOKEN: { name: 'karpor-token-bot-slack', key: 'SLACK_APP_TOKEN' },
    });
    expect(plainEnv(objects).SLACK_MODE).toBe('socket');
    expect(loadSettings(podEnvironment(objects)).slack).toMatchObject({ mode: 'socket', appToken: 'xapp-test' });
  });

  test('still probes the health routes on port 3000, and needs no pause before stopping', () => {
    const c = containerOf(objects);
    expect(c.ports[0]).toMatchObject({ name: 'http', containerPort: 3000 });
    expect(plainEnv(objects).PORT).toBe('3000');
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.lifecycle).toBeUndefined();
  });
});

describe('replicas', () => {
  test('several replicas get a PodDisruptionBudget over the same pods', () => {
    const objects = render(VALUE_SETS['3 replicas']);
    expect(deploymentOf(objects).spec.replicas).toBe(3);
    const pdb = only(objects, 'PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deploymentOf(objects).spec.selector.matchLabels);
  });

  test('one replica gets none (there is nothing to keep available)', () => {
    expect(render().filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('kubeconfigSecret hub access, Secret made by hand', () => {
  const objects = render(VALUE_SETS['kubeconfigSecret hub access, Secret made by hand']);

  test('grants nothing in Karpor\'s namespace and mounts no host-cluster token', () => {
    expect(kinds(objects)).toEqual(['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);
    expect(podOf(objects).automountServiceAccountToken).toBe(false);
  });

  test('reads the hub kubeconfig from the Secret as a file that follows the Secret\'s updates', () => {
    const env = plainEnv(objects);
    expect(env.HUB_KUBECONFIG).toBe('/etc/karpor-token-bot/hub/kubeconfig');
    expect(env).not.toHaveProperty('HUB_KUBECONFIG_CONFIGMAP');
    expect(env).not.toHaveProperty('HUB_SERVER');
    const { volume, key } = fileAt(objects, env.HUB_KUBECONFIG);
    expect(volume.secret.secretName).toBe('karpor-token-bot-hub');
    expect(key).toBe('kubeconfig');
    const mount = (containerOf(objects).volumeMounts as Obj[]).find((m) => m.name === volume.name)!;
    expect(mount.subPath).toBeUndefined();
    expect(mount.readOnly).toBe(true);
    expect(Object.keys(secretEnv(objects)).sort()).toEqual(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  });

  test('renders an environment the bot accepts', () => {
    expect(loadSettings(podEnvironment(objects)).hub.source).toEqual({ kind: 'kubeconfig', path: '/etc/karpor-token-bot/hub/kubeconfig' });
  });
});

describe('Ingress (HTTP mode)', () => {
  test('routes only /slack/events to the Service', () => {
    const objects = render(VALUE_SETS['http mode with an Ingress']);
    const ing = only(objects, 'Ingress');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.tls).toEqual([{ hosts: ['bot.example.com'], secretName: 'bot-tls' }]);
    expect(ing.spec.rules).toEqual([
      {
        host: 'bot.example.com',
        http: { paths: [{ path: '/slack/events', pathType: 'Prefix', backend: { service: { name: only(objects, 'Service').metadata.name, port: { name: 'http' } } } }] },
      },
    ]);
  });
});

describe('every setting reaches the bot', () => {
  test('values map to the settings the bot reads', () => {
    const objects = render({
      image: { repository: 'registry.example.com/karpor-token-bot', tag: '1.2.3' },
      slack: { mode: 'socket', existingSecret: 'slack-creds', apiUrl: 'http://slack.test/api/' },
      hub: { access: 'kubeconfigSecret', kubeconfigSecret: { name: 'hub-creds', key: 'config', context: 'bot' }, namespace: 'bots', timeoutMs: 5000 },
      dashboardUrl: 'https://karpor.example.com',
      logLevel: 'debug',
    });
    expect(containerOf(objects).image).toBe('registry.example.com/karpor-token-bot:1.2.3');
    expect((Object.values(secretEnv(objects)) as Obj[]).map((ref) => ref.name)).toEqual(['slack-creds', 'slack-creds']);
    const settings = loadSettings(podEnvironment(objects));
    expect(settings).toMatchObject({
      slack: { mode: 'socket', apiUrl: 'http://slack.test/api/' },
      hub: { source: { kind: 'kubeconfig', path: '/etc/karpor-token-bot/hub/kubeconfig', context: 'bot' }, namespace: 'bots', timeoutMs: 5000 },
      logLevel: 'debug',
      dashboardUrl: 'https://karpor.example.com',
    });
    const { volume, key } = fileAt(objects, '/etc/karpor-token-bot/hub/kubeconfig');
    expect([volume.secret.secretName, key]).toEqual(['hub-creds', 'config']);
  });

  test('a policy file given with --set-file replaces the example whole, and rolls the pods', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'karpor-policy-'));
    try {
      const file = path.join(dir, 'policy.yaml');
      writeFileSync(file, 'roles:\n  viewer:\n    clusterRole: karpor-guest\n    users: [U012ABCDEF]\n');
      const objects = render(undefined, ['--set-file', `policy=${file}`]);
      const cm = objects.find((o) => o.kind === 'ConfigMap')!;
      expect(policyFrom(parse(cm.data['policy.yaml'])).roles.map((r) => r.alias)).toEqual(['viewer']);
      const checksum = (o: Obj[]) => deploymentOf(o).spec.template.metadata.annotations['checksum/policy'];
      expect(checksum(objects)).not.toBe(checksum(render()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('refuses values that would only fail at run time', () => {
  test.each<[string, Obj, RegExp]>([
    ['an Ingress in Socket Mode', { slack: { mode: 'socket' }, ingress: { enabled: true } }, /ingress\.enabled needs slack\.mode=http/],
    ['no Slack Secret', { slack: { existingSecret: '' } }, /slack\.existingSecret is required/],
    ['an unknown Slack mode', { slack: { mode: 'websocket' } }, /slack\/mode|slack\.mode/],
    ['an unknown hub access mode', { hub: { access: 'incluster' } }, /hub\/access|hub\.access/],
    ['a policy given as a map (it would merge into the example)', { policy: { roles: { viewer: { clusterRole: 'karpor-guest' } } } }, /policy/],
    ['a policy that is not YAML', { policy: 'roles: [viewer' }, /policy is not valid YAML/],
    ['a policy without roles', { policy: 'identity:\n  mode: shared\n' }, /policy has no roles/],
    ['kubeconfigSecret without a Secret name', { hub: { access: 'kubeconfigSecret', kubeconfigSecret: { name: '' } } }, /hub\.kubeconfigSecret\.name is required/],
    ['Karpor\'s superuser kubeconfig without the opt-in', { hub: { access: 'configmap' } }, /hub\.access=configmap puts Karpor's hub SUPERUSER kubeconfig .* hub\.configmap\.allowSuperuser=true/],
  ])('%s', (_name, values, message) => {
    expect(() => render(values)).toThrow(message);
  });
});
