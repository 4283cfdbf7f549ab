import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type { RoleRule } from '../domain/karpor-defaults';
import type { HubClient } from './client';
import { botLabels, KIND } from './labels';
import { paths } from './paths';
import type { ProbeHttp } from './probes';

/** The probes' port over the bot's one hub client. */
export function probeHttp(conn: HubClient): ProbeHttp {
  return {
    present: (path, bearer) => conn.present(bearer === null ? 'probe without token' : 'prove token', path, bearer),

    // The token is bound to a Secret made for it and deleted right after, so it dies at once;
    // only its expiry leaves this function.
    async tokenRequest(namespace, serviceAccount, seconds) {
      const name = `karpor-token-probe-${randomBytes(5).toString('hex')}`;
      const secret = await conn.create<k8s.V1Secret>('create probe secret', paths.secrets(namespace), {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, labels: botLabels({ [KIND]: 'probe' }) },
      });
      try {
        const answer = await conn.create<k8s.AuthenticationV1TokenRequest>('probe token maximum', paths.token(namespace, serviceAccount), {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { audiences: [], expirationSeconds: seconds, boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name, uid: secret.metadata?.uid } },
        });
        const expiry = answer.status?.expirationTimestamp;
        if (!expiry) throw new Error('token request: the hub answered without an expiry');
        return { expirationTimestamp: new Date(expiry) };
      } finally {
        await conn.deleteIfExists('delete probe secret', paths.secrets(namespace, name));
      }
    },

    async clusterRole(name) {
      const role = await conn.getIfExists<k8s.V1ClusterRole>('read clusterrole', paths.clusterRoles(name));
      return role && (role.rules ?? []).map((r): RoleRule => ({ ...r, verbs: r.verbs ?? [] }));
    },
  };
}
