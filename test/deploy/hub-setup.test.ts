// The chart's default: the bot runs with its own hub credential, made by the setup hook (a Job
// with a short-lived ServiceAccount that may read only Karpor's kubeconfig ConfigMap). The hook
// is rendered, and then run for real: its RBAC and command against the test hub, which stands in
// for the host cluster too (it serves ConfigMaps and Secrets).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { loadSettings } from '../../src/config/env';
import { claimsOf } from '../../src/hub/credential';
import { main } from '../../src/setup/cli';
import { writeCredentialSecret } from '../../src/setup/host-cluster';
import { adminKubeConfig, hubRequest, hubServer, kubeConfigForToken, serviceAccountToken, writeKubeconfigForToken } from '../support/hub';
import { helmBinary, render, type Obj } from './helm';

const HOOK = 'helm.sh/hook';
// A release namespace of its own: on the test hub, the host cluster's names must not meet the hub's.
const NAMESPACE = 'bot-host';
const objects = render(undefined, ['--namespace', NAMESPACE]);
const hooks = objects.filter((o) => o.metadata.annotations?.[HOOK]);
const served = objects.filter((o) => !o.metadata.annotations?.[HOOK]);
const deployment = served.find((o) => o.kind === 'Deployment')!;
const container = deployment.spec.template.spec.containers[0] as Obj;
const env = Object.fromEntries((container.env as Obj[]).filter((e) => 'value' in e).map((e) => [e.name, String(e.value)]));
const job = hooks.find((o) => o.kind === 'Job')!;

beforeAll(() => {
  helmBinary();
});

describe('the serving pod', () => {
  test('reaches the hub with the kubeconfig from its credential Secret, never with Karpor\'s', () => {
    expect(env.HUB_KUBECONFIG).toBe('/etc/karpor-token-bot/hub/kubeconfig');
    expect(env.HUB_CREDENTIAL_SECRET).toBe(`${NAMESPACE}/karpor-token-bot-hub:kubeconfig`);
    expect(JSON.stringify(served)).not.toContain('karpor-kubeconfig');
    const volume = (deployment.spec.template.spec.volumes as Obj[]).find((v) => v.secret)!;
    expect(volume.secret.secretName).toBe('karpor-token-bot-hub');
    const settings = loadSettings({ ...env, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' });
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
    const admin = adminKubeConfig();
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const objectsApi = k8s.KubernetesObjectApi.makeApiClient(admin);
    const ensure = async (call: () => Promise<unknown>) => {
      try {
        await call();
      } catch (err) {
        if (!(err instanceof k8s.ApiException && err.code === 409)) throw err;
      }
    };
    for (const ns of ['karpor', NAMESPACE]) await ensure(() => core.createNamespace({ body: { metadata: { name: ns } } }));
    await ensure(() => core.createNamespacedConfigMap({ namespace: 'karpor', body: { metadata: { name: 'karpor-kubeconfig' }, data: { config: fs.readFileSync(process.env.KARPOR_TEST_HUB_KUBECONFIG!, 'utf8') } } }));
    for (const o of hooks.filter((x) => x.kind !== 'Job' && x.kind !== 'ConfigMap')) await ensure(() => objectsApi.create(o as k8s.KubernetesObject));
    const sa = hooks.find((o) => o.kind === 'ServiceAccount')!.metadata.name as string;
    const hookToken = await serviceAccountToken(NAMESPACE, sa, 600);
    // What else that token may read: nothing.
    expect(await hubRequest(hookToken, 'GET', '/api/v1/namespaces/karpor/configmaps')).toBe(403);
    expect(await hubRequest(hookToken, 'GET', `/api/v1/namespaces/${NAMESPACE}/secrets`)).toBe(403);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-setup-'));
    const hostKubeconfig = path.join(dir, 'host');
    writeKubeconfigForToken(hostKubeconfig, hubServer(), hookToken);
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
    expect(await hubRequest(token, 'GET', '/api/v1/namespaces/karpor/configmaps/karpor-kubeconfig')).toBe(403);
    const crb = await admin.makeApiClient(k8s.RbacAuthorizationV1Api).readClusterRoleBinding({ name: 'karpor-guests' });
    expect(crb.subjects).toEqual([{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccounts:karpor-guests' }]);

    // The serving pod's Role lets it store a renewed kubeconfig in that Secret, and no other.
    for (const o of served.filter((x) => x.kind === 'ServiceAccount' || x.kind === 'Role' || x.kind === 'RoleBinding')) await ensure(() => objectsApi.create(o as k8s.KubernetesObject));
    const podToken = await serviceAccountToken(NAMESPACE, deployment.spec.template.spec.serviceAccountName, 600);
    const pod = kubeConfigForToken(hubServer(), podToken);
    await writeCredentialSecret(pod, { namespace: NAMESPACE, name: 'karpor-token-bot-hub', key: 'kubeconfig' }, 'renewed');
    expect(Buffer.from((await core.readNamespacedSecret({ namespace: NAMESPACE, name: 'karpor-token-bot-hub' })).data!.kubeconfig!, 'base64').toString()).toBe('renewed');
    await expect(writeCredentialSecret(pod, { namespace: NAMESPACE, name: 'another', key: 'kubeconfig' }, 'x')).rejects.toMatchObject({ code: 403 });
    expect(await hubRequest(podToken, 'GET', '/api/v1/namespaces/karpor/configmaps/karpor-kubeconfig')).toBe(403);
  });
});
