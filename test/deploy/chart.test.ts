// The Helm chart, rendered with the value sets an operator would use, checked field by field,
// and the configuration it renders fed to the bot's own env and policy loaders.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadSettings } from '../../src/config/env';
import { policyFrom } from '../../src/config/policy-file';
import { Metrics } from '../../src/metrics';
import { CHART, NAMESPACE, helm, helmBinary, only, promqlErrors, render, type Obj } from './helm';

const appVersion = String((parse(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Obj).appVersion);
const FAKE_SECRETS: Record<string, string> = { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'signing-secret', SLACK_APP_TOKEN: 'xapp-test' };

// Karpor's superuser kubeconfig in the pod: only on explicit request.
const SUPERUSER = { hub: { access: 'configmap', configmap: { allowSuperuser: true } } };

const VALUE_SETS: Record<string, Obj> = {
  'Socket Mode (defaults)': {},
  'HTTP mode': { slack: { mode: 'http' } },
  '3 replicas': { replicaCount: 3 },
  'Karpor\'s superuser kubeconfig, opted in': SUPERUSER,
  'kubeconfigSecret hub access, Secret made by hand': { hub: { access: 'kubeconfigSecret', setup: { enabled: false }, renew: false } },
  'HTTP mode with an Ingress': { slack: { mode: 'http' }, ingress: { enabled: true, className: 'nginx', host: 'bot.example.com', tlsSecretName: 'bot-tls' } },
  'a ServiceMonitor and alerts': { metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } }, prometheusRule: { enabled: true } } },
  'a PodMonitor': { metrics: { podMonitor: { enabled: true } } },
  'the policy from an existing ConfigMap': { existingPolicyConfigMap: { name: 'team-policy', key: 'bot.yaml' } },
  'a proxy': { proxy: { httpsProxy: 'http://proxy.corp:3128' } },
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

describe('Socket Mode (the default), hub kubeconfig from Karpor\'s ConfigMap (opted in)', () => {
  const objects = served(render(SUPERUSER));
  const container = containerOf(objects);
  const pod = podOf(objects);

  test('renders exactly the objects for this mode (the Service is for metrics only)', () => {
    expect(kinds(objects)).toEqual(['ConfigMap', 'Deployment', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
    expect(only(objects, 'Service').metadata.name).toMatch(/-metrics$/);
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
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(20);
  });

  test('takes the Slack bot and app-level tokens from the existing Secret, and nothing else from any Secret', () => {
    expect(secretEnv(objects)).toEqual({
      SLACK_BOT_TOKEN: { name: 'karpor-token-bot-slack', key: 'SLACK_BOT_TOKEN' },
      SLACK_APP_TOKEN: { name: 'karpor-token-bot-slack', key: 'SLACK_APP_TOKEN' },
    });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('points the bot at Karpor\'s kubeconfig ConfigMap and the in-cluster hub address', () => {
    expect(plainEnv(objects)).toEqual({
      SLACK_MODE: 'socket',
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

  test('renders an environment and a policy the bot accepts', () => {
    const settings = loadSettings(podEnvironment(objects));
    expect(settings.slack).toMatchObject({ mode: 'socket', appToken: 'xapp-test' });
    expect(settings.hub.source).toEqual({ kind: 'configmap', namespace: 'karpor', name: 'karpor-kubeconfig', key: 'config', server: 'https://karpor-server.karpor.svc:7443' });
    expect(settings.port).toBe(3000);
    const { volume, key } = fileAt(objects, settings.policyFile);
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name)!;
    const policy = policyFrom(parse(cm.data[key]));
    expect(policy.roles.map((r) => r.clusterRole).sort()).toEqual(['karpor-admin', 'karpor-guest']);
  });

  test('needs no pause before stopping (nothing routes requests to it)', () => {
    expect(container.lifecycle).toBeUndefined();
  });
});

describe('HTTP mode', () => {
  const objects = served(render(VALUE_SETS['HTTP mode']));

  test('exposes the bot through a Service on its http port, besides the metrics Service', () => {
    expect(kinds(objects)).toEqual(['ConfigMap', 'Deployment', 'Role', 'RoleBinding', 'Service', 'Service', 'ServiceAccount']);
    const svc = objects.find((o) => o.kind === 'Service' && !o.metadata.name.endsWith('-metrics'))!;
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(deploymentOf(objects).spec.selector.matchLabels);
  });

  test('takes the signing secret instead of the app-level token', () => {
    expect(secretEnv(objects)).toEqual({
      SLACK_BOT_TOKEN: { name: 'karpor-token-bot-slack', key: 'SLACK_BOT_TOKEN' },
      SLACK_SIGNING_SECRET: { name: 'karpor-token-bot-slack', key: 'SLACK_SIGNING_SECRET' },
    });
    expect(plainEnv(objects).SLACK_MODE).toBe('http');
    expect(loadSettings(podEnvironment(objects)).slack).toMatchObject({ mode: 'http', signingSecret: 'signing-secret' });
  });

  test('keeps serving while the Service stops sending it requests, within the grace period', () => {
    const c = containerOf(objects);
    expect(c.lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
    expect(podOf(objects).terminationGracePeriodSeconds).toBeGreaterThan(c.lifecycle.preStop.sleep.seconds + 10);
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
    expect(only(objects, 'Service').metadata.name).toMatch(/-metrics$/);
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
    expect(Object.keys(secretEnv(objects)).sort()).toEqual(['SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN']);
  });

  test('renders an environment the bot accepts', () => {
    expect(loadSettings(podEnvironment(objects)).hub.source).toEqual({ kind: 'kubeconfig', path: '/etc/karpor-token-bot/hub/kubeconfig' });
  });
});

describe('Ingress (HTTP mode)', () => {
  test('routes only /slack/events to the Service', () => {
    const objects = render(VALUE_SETS['HTTP mode with an Ingress']);
    const ing = only(objects, 'Ingress');
    const service = objects.find((o) => o.kind === 'Service' && !o.metadata.name.endsWith('-metrics'))!;
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.tls).toEqual([{ hosts: ['bot.example.com'], secretName: 'bot-tls' }]);
    expect(ing.spec.rules).toEqual([
      {
        host: 'bot.example.com',
        http: { paths: [{ path: '/slack/events', pathType: 'Prefix', backend: { service: { name: service.metadata.name, port: { name: 'http' } } } }] },
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
      const objects = served(render(undefined, ['--set-file', `policy=${file}`]));
      const cm = objects.find((o) => o.kind === 'ConfigMap')!;
      expect(policyFrom(parse(cm.data['policy.yaml'])).roles.map((r) => r.alias)).toEqual(['viewer']);
      const checksum = (o: Obj[]) => deploymentOf(o).spec.template.metadata.annotations['checksum/policy'];
      expect(checksum(objects)).not.toBe(checksum(render()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metrics', () => {
  const metricsService = (objects: Obj[]) => objects.find((o) => o.kind === 'Service' && o.metadata.name.endsWith('-metrics'))!;

  test.each(['Socket Mode (defaults)', 'HTTP mode'])('%s: a metrics Service on the bot\'s port, which no Ingress routes', (name) => {
    const objects = render(VALUE_SETS[name]);
    const svc = metricsService(objects);
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 3000, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(deploymentOf(objects).spec.selector.matchLabels);
    expect(svc.metadata.labels['app.kubernetes.io/component']).toBe('metrics');
  });

  test('no ServiceMonitor, PodMonitor or PrometheusRule unless asked for', () => {
    expect(kinds(render()).filter((k) => /Monitor|Rule/.test(k))).toEqual([]);
  });

  test('a ServiceMonitor scrapes /metrics through the metrics Service only, with the labels Prometheus selects by', () => {
    const objects = render(VALUE_SETS['a ServiceMonitor and alerts']);
    const monitor = only(objects, 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels.release).toBe('prometheus');
    const svc = metricsService(objects);
    // The selector picks the metrics Service and no other Service of the release.
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) expect(svc.metadata.labels[k]).toBe(v);
    expect(monitor.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('metrics');
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [NAMESPACE] });
    expect(monitor.spec.endpoints).toEqual([{ port: svc.spec.ports[0].name, path: '/metrics', interval: '30s', scrapeTimeout: '10s' }]);
  });

  test('a PodMonitor scrapes the pods\' http port', () => {
    const objects = render(VALUE_SETS['a PodMonitor']);
    const monitor = only(objects, 'PodMonitor');
    expect(monitor.spec.selector.matchLabels).toEqual(deploymentOf(objects).spec.selector.matchLabels);
    expect(monitor.spec.podMetricsEndpoints).toEqual([{ port: containerOf(objects).ports[0].name, path: '/metrics', interval: '30s', scrapeTimeout: '10s' }]);
  });

  describe('PrometheusRule', () => {
    const objects = render({ metrics: { prometheusRule: { enabled: true, additionalAlertLabels: { team: 'platform' }, credentialExpiryDays: 7 } } });
    const rules = (only(objects, 'PrometheusRule').spec.groups as Obj[]).flatMap((g) => g.rules as Obj[]);
    const rule = (name: string) => rules.find((r) => r.alert === name)!;
    const own = new Set(new Metrics().registry.getMetricsAsArray().map((m) => m.name));
    // Added with the bot's credential expiry; the rule must not need it to exist.
    const EXPIRY = 'karpor_token_bot_hub_credential_expiry_timestamp_seconds';

    test('alerts on RBAC off, hub errors, the credential about to expire and failing deliveries', () => {
      expect(rules.map((r) => r.alert).sort()).toEqual(['KarporTokenBotDeliveriesFailing', 'KarporTokenBotHubCredentialExpiring', 'KarporTokenBotHubErrors', 'KarporTokenBotHubRbacOff']);
      for (const r of rules) {
        expect(r.labels).toMatchObject({ severity: expect.stringMatching(/^(critical|warning)$/), team: 'platform' });
        expect(r.annotations.summary).toEqual(expect.any(String));
      }
    });

    test('every expression is PromQL that Prometheus\'s own parser accepts', () => {
      const exprs = rules.map((r) => String(r.expr));
      expect(promqlErrors(exprs)).toEqual(exprs.map(() => ''));
      // The parser does refuse a broken one.
      expect(promqlErrors([`${exprs[0]} )`])[0]).toMatch(/parse error/);
    });

    test('every series it reads is one the bot exports', () => {
      for (const r of rules) {
        const names = [...String(r.expr).matchAll(/\b(karpor_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(count|sum|bucket)$/, ''));
        expect(names.length).toBeGreaterThan(0);
        for (const name of names) expect([r.alert, name, own.has(name) || name === EXPIRY]).toEqual([r.alert, name, true]);
      }
    });

    test('RBAC off fires only when the hub said so, not when it is unknown', () => {
      const expr = String(rule('KarporTokenBotHubRbacOff').expr);
      expect(expr).toMatch(/karpor_token_bot_hub_rbac_enabled\{[^}]*\} == 0/);
      expect(expr).toMatch(/and karpor_token_bot_hub_rbac_known\{[^}]*\} == 1/);
    });

    test('the expiry alert uses the configured warning time', () => {
      expect(String(rule('KarporTokenBotHubCredentialExpiring').expr)).toMatch(new RegExp(`^min by \\(namespace\\) \\(${EXPIRY}\\{[^}]*\\}\\) - time\\(\\) < ${7 * 86400}$`));
    });

    test('reads only this release\'s pods', () => {
      const deployment = deploymentOf(objects).metadata.name as string;
      for (const r of rules) {
        const selectors = [...String(r.expr).matchAll(/karpor_[a-z_]+\{([^}]*)\}/g)].map((m) => m[1]!);
        expect(selectors.length).toBeGreaterThan(0);
        for (const sel of selectors) {
          expect(sel).toContain(`namespace="${NAMESPACE}"`);
          const pod = new RegExp(`^(?:${/pod=~"([^"]+)"/.exec(sel)![1]})$`);
          expect(pod.test(`${deployment}-5d8f7c9b4-x2x7q`)).toBe(true);
          expect(pod.test('other-app-5d8f7c9b4-x2x7q')).toBe(false);
        }
      }
    });
  });
});

describe('the policy from an existing ConfigMap', () => {
  const objects = render(VALUE_SETS['the policy from an existing ConfigMap']);

  test('mounts that ConfigMap\'s key at POLICY_FILE and makes no ConfigMap of its own', () => {
    expect(objects.filter((o) => o.kind === 'ConfigMap')).toEqual([]);
    const { volume, key } = fileAt(objects, plainEnv(objects).POLICY_FILE);
    expect([volume.configMap.name, key]).toEqual(['team-policy', 'bot.yaml']);
    expect(loadSettings(podEnvironment(objects)).policyFile).toBe('/etc/karpor-token-bot/policy.yaml');
  });

  test('the setup hook reads the policy from that ConfigMap too, not from the example', () => {
    const all = render(VALUE_SETS['the policy from an existing ConfigMap']);
    const job = only(all, 'Job').spec.template.spec;
    const args = job.containers[0].command as string[];
    const mount = (job.containers[0].volumeMounts as Obj[]).find((m) => m.mountPath === args[args.indexOf('--policy') + 1])!;
    const volume = (job.volumes as Obj[]).find((v) => v.name === mount.name)!;
    expect([volume.configMap.name, mount.subPath]).toEqual(['team-policy', 'bot.yaml']);
    expect(all.filter((o) => o.kind === 'ConfigMap')).toEqual([]);
  });

  test('does not check or hash the chart\'s own policy text, which it ignores', () => {
    expect(deploymentOf(objects).spec.template.metadata.annotations ?? {}).not.toHaveProperty('checksum/policy');
    expect(() => render({ ...VALUE_SETS['the policy from an existing ConfigMap'], policy: 'identity: {}\n' })).not.toThrow();
    expect(() => render({ ...VALUE_SETS['the policy from an existing ConfigMap'], policy: '' })).not.toThrow();
    expect(() => render({ policy: '' })).toThrow(/policy has no roles/);
  });
});

describe('extra environment, volumes and pod annotations', () => {
  const objects = render({
    extraEnv: [{ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/ssl/corp/ca.pem' }],
    extraVolumes: [{ name: 'corp-ca', configMap: { name: 'corp-ca' } }],
    extraVolumeMounts: [{ name: 'corp-ca', mountPath: '/etc/ssl/corp', readOnly: true }],
    podAnnotations: { 'example.com/owner': 'platform' },
  });

  test('reach the container and the pod, after the chart\'s own', () => {
    expect(envOf(objects).at(-1)).toEqual({ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/ssl/corp/ca.pem' });
    expect(fileAt(objects, '/etc/ssl/corp/ca.pem').volume).toEqual({ name: 'corp-ca', configMap: { name: 'corp-ca' } });
    expect(deploymentOf(objects).spec.template.metadata.annotations).toMatchObject({ 'example.com/owner': 'platform', 'checksum/policy': expect.any(String) });
    expect(loadSettings(podEnvironment(objects)).slack.mode).toBe('socket');
  });
});

describe('proxy', () => {
  test('no proxy variables unless a proxy is set', () => {
    expect(envOf(render()).map((e) => e.name.toUpperCase())).not.toEqual(expect.arrayContaining([expect.stringMatching(/PROXY/)]));
  });

  test('httpsProxy and noProxy become HTTPS_PROXY and NO_PROXY, in both cases; the hub and the cluster stay direct', () => {
    const env = plainEnv(render(VALUE_SETS['a proxy']));
    expect(env.HTTPS_PROXY).toBe('http://proxy.corp:3128');
    expect(env.https_proxy).toBe(env.HTTPS_PROXY);
    expect(env.no_proxy).toBe(env.NO_PROXY);
    const direct = String(env.NO_PROXY).split(',');
    expect(direct).toEqual(expect.arrayContaining(['karpor-server.karpor.svc', '.svc', '.cluster.local', '$(KUBERNETES_SERVICE_HOST)']));
    // The hub's address in the chart's own values (the one the setup hook writes into the bot's
    // kubeconfig, and the one configmap mode sets) is one of them.
    const job = only(render(), 'Job').spec.template.spec.containers[0].command as string[];
    expect(direct).toContain(new URL(job[job.indexOf('--server') + 1]!).hostname);
    expect(direct).toContain(new URL(plainEnv(render(SUPERUSER)).HUB_SERVER).hostname);
  });

  test('noProxy replaces the default list', () => {
    const env = plainEnv(render({ proxy: { httpsProxy: 'http://proxy.corp:3128', noProxy: 'hub.internal' } }));
    expect(env.NO_PROXY).toBe('hub.internal,$(KUBERNETES_SERVICE_HOST)');
  });
});

describe('chart metadata', () => {
  test('says where the chart comes from and who keeps it', () => {
    const chart = parse(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Obj;
    expect(chart.home).toMatch(/^https:\/\//);
    expect(chart.sources).toEqual([expect.stringMatching(/^https:\/\//)]);
    expect(chart.icon).toMatch(/^https:\/\/.*\.svg$/);
    expect(chart.maintainers).toEqual([expect.objectContaining({ name: expect.any(String) })]);
    expect(existsSync(path.join(CHART, path.basename(chart.icon)))).toBe(true);
  });
});

describe('the values schema refuses misspelt values, at every level', () => {
  test.each<[string, Obj, RegExp]>([
    ['slack.existingsecret', { slack: { existingsecret: 'x' } }, /at '\/slack': additional properties 'existingsecret' not allowed/],
    ['a top-level replicas', { replicas: 2 }, /additional properties 'replicas' not allowed/],
    ['hub.configmap.namesapce', { hub: { configmap: { namesapce: 'karpor' } } }, /at '\/hub\/configmap': additional properties 'namesapce' not allowed/],
    ['hub.setup.enable', { hub: { setup: { enable: false } } }, /at '\/hub\/setup': additional properties 'enable' not allowed/],
    ['hub.setup.karporConfigMap.nmae', { hub: { setup: { karporConfigMap: { nmae: 'x' } } } }, /at '\/hub\/setup\/karporConfigMap': additional properties 'nmae' not allowed/],
    ['metrics.serviceMonitor.enable', { metrics: { serviceMonitor: { enable: true } } }, /at '\/metrics\/serviceMonitor': additional properties 'enable' not allowed/],
    ['probes.readiness.periodSecond', { probes: { readiness: { periodSecond: 5 } } }, /at '\/probes\/readiness': additional properties 'periodSecond' not allowed/],
    ['proxy.https_proxy', { proxy: { https_proxy: 'http://p:3128' } }, /at '\/proxy': additional properties 'https_proxy' not allowed/],
    ['a proxy without a scheme', { proxy: { httpsProxy: 'proxy.corp:3128' } }, /at '\/proxy\/httpsProxy'/],
    ['podAnnotations with a number', { podAnnotations: { a: 1 } }, /at '\/podAnnotations\/a'/],
  ])('%s', (_name, values, message) => {
    expect(() => render(values)).toThrow(message);
  });

  test('every value in values.yaml is in the schema', () => {
    const values = parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Obj;
    const schema = JSON.parse(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')) as Obj;
    const resolve = (node: Obj): Obj => (node.$ref ? resolve(schema.definitions[String(node.$ref).split('/').pop()!]) : node);
    const walk = (value: unknown, node: Obj, at: string): void => {
      const s = resolve(node);
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !s.properties) return;
      expect([at, s.additionalProperties]).toEqual([at, false]);
      for (const [k, v] of Object.entries(value)) {
        expect([`${at}.${k}`, k in s.properties]).toEqual([`${at}.${k}`, true]);
        walk(v, s.properties[k], `${at}.${k}`);
      }
    };
    walk(values, schema, '');
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
    ['a ServiceMonitor and a PodMonitor at once', { metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true } } }, /choose one/],
    ['a ServiceMonitor without the metrics Service', { metrics: { service: { enabled: false }, serviceMonitor: { enabled: true } } }, /metrics\.serviceMonitor\.enabled needs metrics\.service\.enabled/],
    ['Karpor\'s superuser kubeconfig without the opt-in', { hub: { access: 'configmap' } }, /hub\.access=configmap puts Karpor's hub SUPERUSER kubeconfig .* hub\.configmap\.allowSuperuser=true/],
  ])('%s', (_name, values, message) => {
    expect(() => render(values)).toThrow(message);
  });
});
