import { roleHomes } from '../domain/identity';
import type { Grant, NewGrant } from '../domain/grant';
import type { RoleRule } from '../domain/karpor-defaults';
import type { Policy, RolePolicy } from '../domain/policy';
import type { Clock, Hub, Identity, IssuedToken, TokenProof } from '../domain/ports';
import type { HubClient } from './client';
import { Grants } from './grants';
import { Identities } from './identities';
import { probeHttp } from './probe-http';
import { proveToken, type ProbeHttp } from './probes';

/** The Hub port over a real Kubernetes API server (the Karpor hub). */
export class KarporHub implements Hub {
  private readonly identities: Identities;
  private readonly grantStore: Grants;
  private readonly probes: ProbeHttp;

  constructor(
    conn: HubClient,
    policy: Pick<Policy, 'identity' | 'roles'>,
    private readonly clock: Clock,
    onConflict: (detail: object) => void,
    onWatchTrouble: (err: unknown, what: string) => void,
  ) {
    this.identities = new Identities(conn, policy, onConflict, onWatchTrouble);
    this.grantStore = new Grants(conn, roleHomes(policy).map((h) => h.namespace), (i) => this.identities.forget(i), onWatchTrouble);
    this.probes = probeHttp(conn);
  }

  /** Starts following the hub's RBAC (the checks behind every token) and the grants. */
  start(): void {
    this.identities.start();
    this.grantStore.start();
  }

  stop(): void {
    this.identities.stop();
    this.grantStore.stop();
  }

  ensureIdentity(role: RolePolicy, userId: string): Promise<Identity> {
    return this.identities.ensure(role, userId);
  }

  issue(identity: Identity, grant: NewGrant, seconds: number): Promise<IssuedToken> {
    return this.grantStore.issue(identity, grant, seconds);
  }

  reissue(grant: Grant, identity: Identity): Promise<IssuedToken> {
    return this.grantStore.reissue(grant, identity, this.clock.now());
  }

  roleRules(clusterRole: string): Promise<RoleRule[] | undefined> {
    return this.probes.clusterRole(clusterRole);
  }

  proveToken(token: string): Promise<TokenProof> {
    return proveToken(this.probes, token);
  }

  grant(id: string): Promise<Grant | undefined> {
    return this.grantStore.get(id);
  }

  grants(filter: { userId?: string }): Promise<Grant[]> {
    return this.grantStore.list(filter);
  }

  revoke(grantId: string): Promise<boolean> {
    return this.grantStore.revoke(grantId);
  }

  confirmBreakGlass(grant: Grant, by: string): Promise<boolean> {
    return this.grantStore.confirmBreakGlass(grant, by);
  }

  markReminded(grant: Grant, at: Date): Promise<boolean> {
    return this.grantStore.markReminded(grant, at);
  }

  /** Deletes the grant objects whose time is up (tokens bound to them die with them); counts both kinds. */
  async deleteExpired(): Promise<{ removed: number; live: number; expired: Grant[] }> {
    await this.grantStore.sweep();
    const now = this.clock.now().getTime();
    const all = await this.grantStore.list({});
    const due = all.filter((g) => g.expiresAt.getTime() <= now);
    // Only the replica that deleted a grant reports it.
    const expired: Grant[] = [];
    for (const grant of due) if (await this.grantStore.revoke(grant.id)) expired.push(grant);
    return { removed: due.length, live: all.length - due.length, expired };
  }
}
