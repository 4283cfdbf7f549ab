import type * as k8s from '@kubernetes/client-node';
import { RoleMismatchError } from '../domain/errors';
import { bindingProblem, roleHome, roleHomes, serviceAccountName, type BindingView, type RoleHome } from '../domain/identity';
import type { Policy, RolePolicy } from '../domain/policy';
import type { Identity } from '../domain/ports';
import type { HubClient } from './client';
import { BOT, botLabels, MANAGED_BY, ROLE, USER } from './labels';
import { paths } from './paths';
import { HubWatch } from './watch';

/** How long a request waits for the copy of the hub's RBAC to catch up before it is refused. */
const CURRENT_WITHIN_MS = 5_000;

/**
 * The ServiceAccounts tokens are issued for, and the check that the hub still gives each role's
 * accounts exactly that role. Both rest on live copies (watches) of the hub's
 * ClusterRoleBindings and of each role namespace's ServiceAccounts, so a binding that is changed,
 * deleted or added is known before the next token, and a token costs no extra hub call here.
 * The bot cannot repair a binding (it may not create any): it refuses the role and alerts.
 */
export class Identities {
  private readonly bindings: HubWatch<k8s.V1ClusterRoleBinding>;
  private readonly accounts = new Map<string, HubWatch<k8s.V1ServiceAccount>>();
  /** The problem last alerted per role, so that a lasting one is not alerted on every event. */
  private readonly alerted = new Map<string, string | undefined>();
  private readonly creating = new Map<string, Promise<void>>();

  constructor(
    private readonly conn: HubClient,
    private readonly policy: Pick<Policy, 'identity' | 'roles'>,
    private readonly onConflict: (detail: object) => void,
    onTrouble: (err: unknown, what: string) => void,
  ) {
    this.bindings = new HubWatch(conn, 'clusterrolebindings', paths.clusterRoleBindings(), () => this.review(), onTrouble, conn.timeoutMs);
    for (const home of roleHomes(policy)) {
      this.accounts.set(home.namespace, new HubWatch(conn, `serviceaccounts in ${home.namespace}`, paths.serviceAccounts(home.namespace), () => undefined, onTrouble, conn.timeoutMs));
    }
  }

  start(): void {
    this.bindings.start();
    for (const watch of this.accounts.values()) watch.start();
  }

  stop(): void {
    this.bindings.stop();
    for (const watch of this.accounts.values()) watch.stop();
  }

  async ensure(role: RolePolicy, userId: string): Promise<Identity> {
    const home = roleHome(this.policy.identity, role);
    const accounts = this.accounts.get(home.namespace)!;
    await Promise.all([this.bindings.current(CURRENT_WITHIN_MS), accounts.current(CURRENT_WITHIN_MS)]);
    const problem = this.problemOf(home);
    if (problem) throw this.refuse(home, problem);
    const identity = { namespace: home.namespace, serviceAccount: serviceAccountName(this.policy.identity, role.alias, userId), clusterRole: role.clusterRole };
    if (!accounts.get(identity.serviceAccount)) await this.create(accounts, identity, botLabels({ [ROLE]: role.alias, ...(this.policy.identity.mode === 'per-user' && { [USER]: userId }) }));
    if (accounts.get(identity.serviceAccount)?.metadata?.labels?.[MANAGED_BY] !== BOT) {
      throw this.refuse(home, `ServiceAccount ${identity.namespace}/${identity.serviceAccount} was not made by this bot`);
    }
    return identity;
  }

  /** The alert, and the refusal the person is told of, for a role the hub's RBAC does not match. */
  private refuse(home: RoleHome, problem: string): RoleMismatchError {
    this.onConflict({ role: home.alias, namespace: home.namespace, problem, bot: BOT });
    return new RoleMismatchError(home.alias, problem);
  }

  /** The hub said the ServiceAccount is gone (its deletion may not have reached the watch yet). */
  forget(identity: Identity): void {
    this.accounts.get(identity.namespace)?.drop(identity.serviceAccount);
  }

  private problemOf(home: RoleHome): string | undefined {
    return bindingProblem(home, this.bindings.values().map(view));
  }

  /** After every change to the bindings: alert at once on a role that has just gone wrong. */
  private review(): void {
    for (const home of roleHomes(this.policy)) {
      const problem = this.problemOf(home);
      if (problem && problem !== this.alerted.get(home.alias)) this.onConflict({ role: home.alias, namespace: home.namespace, problem, bot: BOT });
      this.alerted.set(home.alias, problem);
    }
  }

  /** Concurrent requests for the same new account share one create. */
  private create(accounts: HubWatch<k8s.V1ServiceAccount>, { namespace, serviceAccount: name }: Identity, labels: Record<string, string>): Promise<void> {
    const key = `${namespace}/${name}`;
    let pending = this.creating.get(key);
    if (!pending) {
      const body: k8s.V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } };
      pending = this.conn
        .createUnlessExists<k8s.V1ServiceAccount>('create serviceaccount', paths.serviceAccounts(namespace), body)
        // Made by someone else meanwhile: what they made is checked like any other.
        .then(async (made) => made ?? (await this.conn.getIfExists<k8s.V1ServiceAccount>('read serviceaccount', paths.serviceAccounts(namespace, name))))
        .then((account) => account && accounts.put(account))
        .finally(() => this.creating.delete(key));
      this.creating.set(key, pending);
    }
    return pending;
  }
}

function view(b: k8s.V1ClusterRoleBinding): BindingView {
  return { name: b.metadata?.name ?? '', roleRef: b.roleRef, ...(b.subjects && { subjects: b.subjects }) };
}
