import * as k8s from '@kubernetes/client-node';

/** A key of a ConfigMap or Secret in the host cluster. */
export interface SecretRef {
  namespace: string;
  name: string;
  key: string;
}

/** Karpor's admin kubeconfig for the hub, from its ConfigMap in the host cluster. */
export async function readKarporKubeconfig(host: k8s.KubeConfig, ref: SecretRef): Promise<string> {
  const cm = await host.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ namespace: ref.namespace, name: ref.name });
  const text = cm.data?.[ref.key];
  if (!text) throw new Error(`ConfigMap ${ref.namespace}/${ref.name} has no key ${ref.key}`);
  return text;
}

/**
 * Writes the bot's kubeconfig into its Secret in the host cluster: made when missing, else
 * replaced (compare-and-swap on resourceVersion, so two writers never mix their halves).
 */
export async function writeCredentialSecret(host: k8s.KubeConfig, ref: SecretRef, kubeconfig: string): Promise<void> {
  const core = host.makeApiClient(k8s.CoreV1Api);
  const data = { [ref.key]: Buffer.from(kubeconfig).toString('base64') };
  let current: k8s.V1Secret | undefined;
  try {
    current = await core.readNamespacedSecret({ namespace: ref.namespace, name: ref.name });
  } catch (err) {
    if (!(err instanceof k8s.ApiException && err.code === 404)) throw err;
  }
  const metadata = { name: ref.name, namespace: ref.namespace, labels: { ...current?.metadata?.labels, 'app.kubernetes.io/managed-by': 'karpor-token-bot' } };
  if (!current) {
    await core.createNamespacedSecret({ namespace: ref.namespace, body: { metadata, type: 'Opaque', data } });
    return;
  }
  await core.replaceNamespacedSecret({
    namespace: ref.namespace,
    name: ref.name,
    body: { ...current, metadata: { ...current.metadata, ...metadata }, data: { ...current.data, ...data } },
  });
}
