import type * as k8s from '@kubernetes/client-node';
import { HubError } from '../domain/errors';
import { serviceAccountName } from '../domain/identity';
import type { Policy, RolePolicy } from '../domain/policy';
import type { Identity } from '../domain/ports';
import type { HubClient } from './client';
import { BOT, botLabels, ROLE, USER } from './labels';
import { paths } from './paths';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** How long a checked ServiceAccount + binding is trusted before it is checked again. */
const CHECKED_FOR_MS = 5 * 60_000;

/**
 * Makes sure the ServiceAccount and its ClusterRoleBinding exist and are exactly what the policy
 * says. Checked pairs are remembered for a few minutes, so a steady stream of requests costs the
 * hub nothing here; concurrent requests for the same identity share one check.
 */
export class Identities {
  private readonly checked = new Map<string, { identity: Identity; until: number }>();
  private readonly inFlight = new Map<string, Promise<Identity>>();

  constructor(
    private readonly conn: HubClient,
    private readonly namespace: string,
    private readonly identityPolicy: Policy['identity'],
    private readonly onConflict: (detail: object) => void,
  ) {}

  ensure(role: RolePolicy, userId: string): Promise<Identity> {
    const name = serviceAccountName(this.identityPolicy, role.alias, userId);
    const key = `${name}→${role.clusterRole}`;
    const hit = this.checked.get(key);
    if (hit && hit.until > Date.now()) return Promise.resolve(hit.identity);
    let pending = this.inFlight.get(key);
    if (!pending) {
      const labels = botLabels({ [ROLE]: role.alias, ...(this.identityPolicy.mode === 'per-user' && { [USER]: userId }) });
      pending = this.check({ namespace: this.namespace, serviceAccount: name, clusterRole: role.clusterRole }, labels)
        .then((identity) => {
          this.checked.set(key, { identity, until: Date.now() + CHECKED_FOR_MS });
          return identity;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Forget a pair, e.g. after the hub said the ServiceAccount is gone. */
  forget(identity: Identity): void {
    this.checked.delete(`${identity.serviceAccount}→${identity.clusterRole}`);
  }

  private async check(identity: Identity, labels: Record<string, string>): Promise<Identity> {
    await this.ensureServiceAccount(identity, labels);
    await this.ensureBinding(identity, labels);
    return identity;
  }

  private async ensureServiceAccount({ namespace, serviceAccount: name }: Identity, labels: Record<string, string>): Promise<void> {
    const exists = await this.conn.getIfExists<k8s.V1ServiceAccount>('read serviceaccount', paths.serviceAccounts(namespace, name));
    if (exists) return;
    await this.conn.createUnlessExists('create serviceaccount', paths.serviceAccounts(namespace), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } });
  }

  private async ensureBinding(identity: Identity, labels: Record<string, string>): Promise<void> {
    const name = identity.serviceAccount;
    const what = `ClusterRoleBinding ${name}`;
    let binding = await this.conn.getIfExists<k8s.V1ClusterRoleBinding>('read clusterrolebinding', paths.clusterRoleBindings(name));
    if (!binding) {
      const body: k8s.V1ClusterRoleBinding = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name, labels },
        roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: identity.clusterRole },
        subjects: [{ kind: 'ServiceAccount', name, namespace: identity.namespace }],
      };
      const created = await this.conn.createUnlessExists<k8s.V1ClusterRoleBinding>('create clusterrolebinding', paths.clusterRoleBindings(), body);
      // Someone else created it first: what they made must be checked like any existing one.
      binding = created ?? (await this.conn.getIfExists<k8s.V1ClusterRoleBinding>('read clusterrolebinding', paths.clusterRoleBindings(name)));
    }
    if (!binding) throw new HubError('conflict', `${what} vanished while being created`, 'The Karpor hub changed under me; try again.');
    const problem = bindingProblem(binding, identity);
    if (problem) {
      this.onConflict({ binding: name, problem, expectedRole: identity.clusterRole, managedBy: binding.metadata?.labels?.['app.kubernetes.io/managed-by'] ?? 'someone else', bot: BOT });
      throw new HubError(
        'conflict',
        `${what}: ${problem}`,
        `The hub's ClusterRoleBinding \`${name}\` is not what this bot expects (${problem}), so I issued nothing. Your Karpor administrators have been alerted.`,
      );
    }
  }

}
/** Why a binding does not grant exactly the expected role to exactly the expected account. */
export function bindingProblem(binding: k8s.V1ClusterRoleBinding, identity: Identity): string | undefined {
  const ref = binding.roleRef;
  if (ref.kind !== 'ClusterRole' || ref.name !== identity.clusterRole || ref.apiGroup !== RBAC_GROUP) {
    return `it binds ${ref.kind} ${ref.name}, not ClusterRole ${identity.clusterRole}`;
  }
  const subjects = binding.subjects ?? [];
  const only = subjects.length === 1 ? subjects[0] : undefined;
  if (!only || only.kind !== 'ServiceAccount' || only.name !== identity.serviceAccount || only.namespace !== identity.namespace) {
    const names = subjects.map((s) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`).join(', ') || 'nobody';
    return `it binds ${names}, not only ServiceAccount ${identity.namespace}/${identity.serviceAccount}`;
  }
  return undefined;
}
