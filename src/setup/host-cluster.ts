import * as k8s from '@kubernetes/client-node';
import { HubClient } from '../hub/client';
import type { SecretRef } from '../hub/credential-secret';
import { Kubeconfig } from '../hub/kubeconfig';

/** Karpor's admin kubeconfig for the hub, from its ConfigMap in the host cluster. */
export async function readKarporKubeconfig(host: k8s.KubeConfig, ref: SecretRef): Promise<string> {
  const cm = await host.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ namespace: ref.namespace, name: ref.name });
  const text = cm.data?.[ref.key];
  if (!text) throw new Error(`ConfigMap ${ref.namespace}/${ref.name} has no key ${ref.key}`);
  return text;
}

/** The host cluster as the bot's own hub client reaches it (for writeCredentialSecret). */
export function hostClient(host: k8s.KubeConfig, timeoutMs = 30_000): HubClient {
  return new HubClient({ kind: 'provided', load: async () => Kubeconfig.fromText(host.exportConfig()) }, timeoutMs);
}
