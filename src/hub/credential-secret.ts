import type * as k8s from '@kubernetes/client-node';
import type { HubClient } from './client';
import { paths } from './paths';

/** A key of a ConfigMap or Secret in the host cluster. */
export interface SecretRef {
  namespace: string;
  name: string;
  key: string;
}

/**
 * Writes the bot's kubeconfig into its Secret in the host cluster (`host` is a client of that
 * cluster, not of the hub): made when missing, else replaced (compare-and-swap on
 * resourceVersion, so two writers never mix their halves).
 */
export async function writeCredentialSecret(host: HubClient, ref: SecretRef, kubeconfig: string): Promise<void> {
  const data = { [ref.key]: Buffer.from(kubeconfig).toString('base64') };
  const current = await host.getIfExists<k8s.V1Secret>('read credential secret', paths.secrets(ref.namespace, ref.name));
  const metadata = { name: ref.name, namespace: ref.namespace, labels: { ...current?.metadata?.labels, 'app.kubernetes.io/managed-by': 'karpor-token-bot' } };
  if (!current) {
    await host.create('create credential secret', paths.secrets(ref.namespace), { metadata, type: 'Opaque', data });
    return;
  }
  await host.replace('store credential secret', paths.secrets(ref.namespace, ref.name), {
    ...current,
    metadata: { ...current.metadata, ...metadata },
    data: { ...current.data, ...data },
  });
}
