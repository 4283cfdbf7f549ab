#!/usr/bin/env node
// karpor-token-bot setup-hub: gives the bot its own least-privilege identity on the Karpor hub,
// using Karpor's admin kubeconfig for this one run, and writes the bot's credential (a
// kubeconfig with its own token) to a file or a Secret in the host cluster.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ConfigError } from '../config/env';
import { loadPolicy } from '../config/policy-file';
import { scrub } from '../log';
import { parseDuration } from '../domain/duration';
import { hubObjects } from './hub-objects';
import { setupHub } from './setup-hub';
import { writeCredentialSecret, type SecretRef } from '../hub/credential-secret';
import { hostClient, readKarporKubeconfig } from './host-cluster';

const USAGE = `usage: karpor-token-bot setup-hub [options]

Applies the bot's RBAC on the Karpor hub (namespaces per role, one ClusterRoleBinding per role to
the group of that namespace's ServiceAccounts, the bot's own ServiceAccount and Roles), then
issues the bot's own token and writes a kubeconfig with it. Run it again after changing the
policy's roles; --rotate also revokes every earlier token of the bot.

Karpor's admin kubeconfig (used for this run only, never stored), one of:
  --hub-kubeconfig FILE          a file (e.g. from the karpor-kubeconfig ConfigMap)
  --karpor-configmap NS/NAME[:KEY]
                                 read from the host cluster (key "config" by default)
Where the bot's credential goes, one of:
  --out FILE                     a kubeconfig file, mode 0600
  --secret NS/NAME[:KEY]         a Secret in the host cluster (key "kubeconfig" by default)
Other options:
  --host-kubeconfig FILE         the host cluster (default: $KUBECONFIG, ~/.kube/config or in-cluster)
  --policy FILE                  the bot's policy (default: $POLICY_FILE or policy.yaml)
  --namespace NS                 the bot's home namespace on the hub (default: $HUB_NAMESPACE or karpor-token-bot)
  --server URL                   the hub as the bot reaches it (default: the admin kubeconfig's)
  --admin-server URL             the hub as this run reaches it, instead of the admin kubeconfig's server
                                 (e.g. https://127.0.0.1:7443 through kubectl port-forward)
  --token-duration DURATION      lifetime of the bot's token, e.g. 30d (default 30d; the bot renews it)
  --rotate                       revoke every earlier token of the bot first
  --print                        only print the hub objects as YAML; touches nothing
`;

const DEFAULT_TOKEN_SECONDS = 30 * 86_400;

export async function main(argv: string[], out: (text: string) => void = (t) => void process.stdout.write(t)): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'setup-hub') {
    process.stderr.write(USAGE);
    return 2;
  }
  const { values: o } = parseArgs({
    args: rest,
    options: {
      'hub-kubeconfig': { type: 'string' },
      'karpor-configmap': { type: 'string' },
      'host-kubeconfig': { type: 'string' },
      out: { type: 'string' },
      secret: { type: 'string' },
      policy: { type: 'string' },
      namespace: { type: 'string' },
      server: { type: 'string' },
      'admin-server': { type: 'string' },
      'token-duration': { type: 'string' },
      rotate: { type: 'boolean' },
      print: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (o.help) {
    out(USAGE);
    return 0;
  }
  const policy = loadPolicy(o.policy ?? process.env.POLICY_FILE ?? 'policy.yaml');
  const namespace = o.namespace ?? process.env.HUB_NAMESPACE ?? 'karpor-token-bot';
  if (o.print) {
    const roles = policy.roles.map((r) => `${r.alias} → ${r.clusterRole}`).join(', ');
    out(
      `# The bot's objects on the Karpor hub for home namespace ${namespace}, prefix ${policy.identity.prefix}, roles ${roles}:\n` +
        '# printed by `karpor-token-bot setup-hub --print`. setup-hub applies them itself and then issues the\n' +
        "# bot's token; this listing is for review.\n" +
        hubObjects(policy, namespace).map((obj) => `---\n${stringify(obj)}`).join(''),
    );
    return 0;
  }
  const problems: string[] = [];
  if (Boolean(o['hub-kubeconfig']) === Boolean(o['karpor-configmap'])) problems.push('give exactly one of --hub-kubeconfig and --karpor-configmap');
  if (Boolean(o.out) === Boolean(o.secret)) problems.push('give exactly one of --out and --secret');
  const duration = parseDuration(o['token-duration'] ?? '30d');
  if (o['token-duration'] && !duration.ok) problems.push(`--token-duration: ${duration.reason}`);
  const secret = o.secret ? secretRef(o.secret, 'kubeconfig') : undefined;
  const configMap = o['karpor-configmap'] ? secretRef(o['karpor-configmap'], 'config') : undefined;
  if ((o.secret && !secret) || (o['karpor-configmap'] && !configMap)) problems.push('--secret and --karpor-configmap take <namespace>/<name>[:<key>]');
  if (problems.length > 0) throw new ConfigError(problems, 'The command line');

  const host = () => {
    const kc = new k8s.KubeConfig();
    if (o['host-kubeconfig']) kc.loadFromFile(o['host-kubeconfig']);
    else kc.loadFromDefault();
    return kc;
  };
  const admin = new k8s.KubeConfig();
  if (o['hub-kubeconfig']) admin.loadFromFile(o['hub-kubeconfig']);
  else admin.loadFromString(await readKarporKubeconfig(host(), configMap!));
  const adminServer = o['admin-server'];
  const current = admin.getCurrentCluster();
  if (adminServer && current) admin.clusters = admin.clusters.map((c) => (c.name === current.name ? { ...c, server: adminServer } : c));

  const say = (line: string) => void process.stderr.write(`${line}\n`);
  const credential = await setupHub({
    admin,
    policy,
    namespace,
    tokenSeconds: duration.ok ? duration.seconds : DEFAULT_TOKEN_SECONDS,
    server: o.server ?? current?.server,
    ...(o.rotate && { rotate: true }),
    say,
  });
  if (o.out) {
    fs.writeFileSync(o.out, credential.kubeconfig, { mode: 0o600 });
    fs.chmodSync(o.out, 0o600);
    say(`wrote the bot's kubeconfig to ${o.out} (mode 0600): it holds a token, keep it secret`);
  } else {
    await writeCredentialSecret(hostClient(host()), secret!, credential.kubeconfig);
    say(`wrote the bot's kubeconfig to Secret ${secret!.namespace}/${secret!.name} (key ${secret!.key}) in the host cluster`);
  }
  say(`the bot's token expires at ${credential.expiresAt.toISOString()}; the bot renews it itself before then`);
  return 0;
}

function secretRef(text: string, defaultKey: string): SecretRef | undefined {
  const m = /^([a-z0-9-]+)\/([a-z0-9.-]+)(?::([\w.-]+))?$/.exec(text);
  return m ? { namespace: m[1]!, name: m[2]!, key: m[3] ?? defaultKey } : undefined;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      // Never the kubeconfig or a token: only what failed.
      const message = err instanceof ConfigError ? err.message : err instanceof k8s.ApiException ? `the API server answered ${err.code}: ${String(err.body).slice(0, 500)}` : err instanceof Error ? err.message : String(err);
      process.stderr.write(scrub(`setup-hub failed: ${message}\n`));
      process.exit(1);
    },
  );
}
