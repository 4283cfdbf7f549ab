// The chart's default: the bot runs with its own hub credential, made by the setup hook (a Job
// with a short-lived ServiceAccount that may read only Karpor's kubeconfig ConfigMap). The hook
// is rendered, and then run for real: its RBAC and the serving pod's in a host cluster of their
// own (a plain kube-apiserver, startHub({ host: true }), holding Karpor's ConfigMap as a real
// install does), its command against the test hub.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { loadSettings } from '../../src/config/env';
import { claimsOf } from '../../src/hub/token-claims';
import { main } from '../../src/setup/cli';
import { writeCredentialSecret } from '../../src/hub/credential-secret';
import { hostClient } from '../../src/setup/host-cluster';
import { startHub, type RunningHub } from '../hub/harness';
import { adminKubeConfig, hubRequest, hubServer, kubeConfigForToken, writeKubeconfigForToken } from '../support/hub';
import { helmBinary, render, type Obj } from './helm';

const HOOK = 'helm.sh/hook';
const NAMESPACE = 'karpor-token-bot';
const objects = render(undefined, ['--namespace', NAMESPACE]);
const hooks = objects.filter((o) => o.metadata.annotations?.[HOOK]);
const served = objects.filter((o) => !o.metadata.annotations?.[HOOK]);
const deployment = served.find((o) => o.kind === 'Deployment')!;
const container = deployment.spec.template.spec.containers[0] as Obj;
const env = Object.fromEntries((container.env as Obj[]).filter((e) => 'value' in e).map((e) => [e.name, String(e.value)]));
const job = hooks.find((o) => o.kind === 'Job')!;

let host: RunningHub | undefined;

beforeAll(() => {
  helmBinary();
});

afterAll(async () => {
  await host?.stop();
});

function hostAdmin(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(host!.kubeconfigPath);
  return kc;
}

/** A token for a ServiceAccount of the host cluster, as the pod it runs would have. */
async function hostToken(namespace: string, name: string): Promise<string> {
  const res = await hostAdmin().makeApiClient(k8s.CoreV1Api).createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  return res.status!.token;
}

describe('the serving pod', () => {
  test('reaches the hub with the kubeconfig from its credential Secret, never with Karpor\'s', () => {
    expect(env.HUB_KUBECONFIG).toBe('/etc/karpor-token-bot/hub/kubeconfig');
    expect(env.HUB_CREDENTIAL_SECRET).toBe(`${NAMESPACE}/karpor-token-bot-hub:kubeconfig`);
    expect(JSON.stringify(served)).not.toContain('karpor-kubeconfig');
    const volume = (deployment.spec.template.spec.volumes as Obj[]).find((v) => v.secret)!;
    expect(volume.secret.secretName).toBe('karpor-token-bot-hub');
    const settings = loadSettings({ ...env, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    expect(settings.hub).toMatchObject({ source: { kind: 'kubeconfig' }, namespace: 'karpor-token-bot', credentialSecret: { namespace: NAMESPACE, name: 'karpor-token-bot-hub', key: 'kubeconfig' } });
  });

  test('may only read and replace that one Secret in the host cluster', () => {
    const roles = served.filter((o) => o.kind === 'Role');
    expect(roles).toHaveLength(1);
    expect(roles[0]!.metadata.namespace).toBe(NAMESPACE);
    expect(roles[0]!.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['karpor-token-bot-hub'], verbs: ['get', 'update'] }]);
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(true);
  });

  test('with renewal off it holds no host-cluster token at all', () => {
    const off = render({ hub: { renew: false } }, ['--namespace', NAMESPACE]).filter((o) => !o.metadata.annotations?.[HOOK]);
    expect(off.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding')).toEqual([]);
    expect(off.find((o) => o.kind === 'Deployment')!.spec.template.spec.automountServiceAccountToken).toBe(false);
  });
});

describe('the setup hook', () => {
  test('runs before install and before every upgrade, and leaves no access to Karpor\'s kubeconfig behind', () => {
    expect(hooks.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Job', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'ServiceAccount']);
    for (const o of hooks) expect(o.metadata.annotations[HOOK]).toBe('pre-install,pre-upgrade');
    for (const o of hooks.filter((x) => x.kind !== 'Job')) {
      expect(o.metadata.annotations['helm.sh/hook-delete-policy']).toBe('before-hook-creation,hook-succeeded,hook-failed');
      expect(Number(o.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(Number(job.metadata.annotations['helm.sh/hook-weight']));
    }
    expect(job.metadata.annotations['helm.sh/hook-delete-policy']).toBe('before-hook-creation,hook-succeeded');
    const karporRole = hooks.find((o) => o.kind === 'Role' && o.metadata.namespace === 'karpor')!;
    expect(karporRole.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['karpor-kubeconfig'], verbs: ['get'] }]);
    expect(job.spec.template.spec.serviceAccountName).toBe(hooks.find((o) => o.kind === 'ServiceAccount')!.metadata.name);
    expect(job.spec.template.spec.containers[0].image).toBe(container.image);
    expect(job.spec.template.spec.containers[0].securityContext).toEqual(container.securityContext);
  });

  test('its RBAC and command, run for real, apply the bot\'s hub RBAC and write the bot\'s credential', async () => {
    // A host cluster of its own: up to a minute to start on a busy machine (hence the timeout).
    host = await startHub({ host: true });
    const core = hostAdmin().makeApiClient(k8s.CoreV1Api);
    const objectsApi = k8s.KubernetesObjectApi.makeApiClient(hostAdmin());
    for (const ns of ['karpor', NAMESPACE]) await core.createNamespace({ body: { metadata: { name: ns } } });
    // What Karpor's cert job leaves in the host cluster: the hub's client-certificate superuser.
    await core.createNamespacedConfigMap({ namespace: 'karpor', body: { metadata: { name: 'karpor-kubeconfig' }, data: { config: fs.readFileSync(process.env.KARPOR_TEST_HUB_CERT_KUBECONFIG!, 'utf8') } } });
    for (const o of hooks.filter((x) => x.kind !== 'Job' && x.kind !== 'ConfigMap')) await objectsApi.create(o as k8s.KubernetesObject);
    const sa = hooks.find((o) => o.kind === 'ServiceAccount')!.metadata.name as string;
    const hookToken = await hostToken(NAMESPACE, sa);
    // It may read that one ConfigMap, and nothing else.
    expect(await hubRequest(hookToken, 'GET', '/api/v1/namespaces/karpor/configmaps/karpor-kubeconfig', host.server)).toBe(200);
    expect(await hubRequest(hookToken, 'GET', '/api/v1/namespaces/karpor/configmaps', host.server)).toBe(403);
    expect(await hubRequest(hookToken, 'GET', `/api/v1/namespaces/${NAMESPACE}/secrets`, host.server)).toBe(403);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-setup-'));
    const hostKubeconfig = path.join(dir, 'host');
    writeKubeconfigForToken(hostKubeconfig, host.server, hookToken);
    const policyFile = path.join(dir, 'policy.yaml');
    fs.writeFileSync(policyFile, hooks.find((o) => o.kind === 'ConfigMap')!.data['policy.yaml']);
    // The Job's own arguments; only the paths and the address of the hub differ on this machine.
    const args = (job.spec.template.spec.containers[0].command as string[]).slice(2).map((a, i, all) => {
      if (all[i - 1] === '--policy') return policyFile;
      if (all[i - 1] === '--admin-server') return hubServer();
      return a;
    });
    const before = process.env.KUBECONFIG;
    process.env.KUBECONFIG = hostKubeconfig;
    try {
      expect(await main(args)).toBe(0);
    } finally {
      if (before === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = before;
    }

    const secret = await core.readNamespacedSecret({ namespace: NAMESPACE, name: 'karpor-token-bot-hub' });
    const kubeconfig = parse(Buffer.from(secret.data!.kubeconfig!, 'base64').toString('utf8')) as Obj;
    expect(kubeconfig.clusters[0].cluster.server).toBe('https://karpor-server.karpor.svc:7443');
    const token = kubeconfig.users[0].user.token as string;
    expect(claimsOf(token)!['kubernetes.io']).toMatchObject({ namespace: 'karpor-token-bot', serviceaccount: { name: 'karpor-token-bot' }, secret: { name: 'karpor-token-bot-credential' } });
    // The bot's token works on the hub, within its rights only.
    expect(await hubRequest(token, 'GET', '/api/v1/namespaces/karpor-guests/secrets')).toBe(200);
    expect(await hubRequest(token, 'GET', '/api/v1/namespaces/default/secrets')).toBe(403);
    // In the host cluster it is nobody.
    expect(await hubRequest(token, 'GET', '/api/v1/namespaces/karpor/configmaps/karpor-kubeconfig', host.server)).toBe(401);
    const crb = await adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api).readClusterRoleBinding({ name: 'karpor-guests' });
    expect(crb.subjects).toEqual([{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccounts:karpor-guests' }]);

    // The serving pod's Role lets it store a renewed kubeconfig in that Secret, and no other.
    for (const o of served.filter((x) => x.kind === 'ServiceAccount' || x.kind === 'Role' || x.kind === 'RoleBinding')) await objectsApi.create(o as k8s.KubernetesObject);
    const podToken = await hostToken(NAMESPACE, deployment.spec.template.spec.serviceAccountName);
    const pod = hostClient(kubeConfigForToken(host.server, podToken));
    await writeCredentialSecret(pod, { namespace: NAMESPACE, name: 'karpor-token-bot-hub', key: 'kubeconfig' }, 'renewed');
    expect(Buffer.from((await core.readNamespacedSecret({ namespace: NAMESPACE, name: 'karpor-token-bot-hub' })).data!.kubeconfig!, 'base64').toString()).toBe('renewed');
    await expect(writeCredentialSecret(pod, { namespace: NAMESPACE, name: 'another', key: 'kubeconfig' }, 'x')).rejects.toMatchObject({ kind: 'forbidden' });
    expect(await hubRequest(podToken, 'GET', '/api/v1/namespaces/karpor/configmaps/karpor-kubeconfig', host.server)).toBe(403);
  }, 180_000);
});
