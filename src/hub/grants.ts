import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { newId, type Grant, type NewGrant } from '../domain/grant';
import { MIN_SECONDS } from '../domain/policy';
import type { Identity, IssuedToken } from '../domain/ports';
import { HubError } from '../domain/errors';
import type { HubClient } from './client';
import { paths } from './paths';
import { HubWatch } from './watch';
import { BOT, botLabels, GRANT_TYPE, isObjectId, KIND, MANAGED_BY, ROLE, selector, USER } from './labels';

const A = {
  grantedAt: 'karpor.io/granted-at',
  expiresAt: 'karpor.io/expires-at',
  serviceAccount: 'karpor.io/service-account',
  remindedAt: 'karpor.io/reminded-at',
  approvedBy: 'karpor.io/approved-by',
  reason: 'karpor.io/reason',
  requestId: 'karpor.io/request',
  breakGlassConfirmBy: 'karpor.io/break-glass-confirm-by',
  breakGlassConfirmedBy: 'karpor.io/break-glass-confirmed-by',
};
const PREFIX = 'karpor-grant-';
/** How long a list waits for the copies of the grants to catch up before it fails. */
const CURRENT_WITHIN_MS = 5_000;

/**
 * Grants are Secrets holding only metadata; every token is bound to its grant's Secret
 * (TokenRequest boundObjectRef), so deleting the Secret revokes the tokens at once. A bound
 * object must be in its ServiceAccount's namespace, so each grant lives in its role's namespace.
 * Lists come from a live copy of each role namespace's grants (a watch), so `status`, the Home
 * tab and housekeeping cost the hub nothing however many grants there are; a single grant is
 * read from the hub itself before anything is done with it.
 */
export class Grants {
  /** Grants whose token failed and whose clean-up failed too (`namespace/name`): hidden, and deleted again later. */
  private readonly halfMade = new Set<string>();
  private readonly copies = new Map<string, HubWatch<k8s.V1Secret, Grant | undefined>>();

  constructor(
    private readonly conn: HubClient,
    /** The role namespaces, where grants live. */
    private readonly namespaces: string[],
    private readonly onMissingServiceAccount: (identity: Identity) => void,
    onTrouble: (err: unknown, what: string) => void,
  ) {
    const labelSelector = selector({ [MANAGED_BY]: BOT, [KIND]: 'grant' });
    for (const ns of namespaces) {
      this.copies.set(ns, new HubWatch(conn, `grants in ${ns}`, paths.secrets(ns), () => undefined, onTrouble, conn.timeoutMs, { labelSelector, keep: (s) => (s.type === GRANT_TYPE ? toGrant(s) : undefined) }));
    }
  }

  start(): void {
    for (const copy of this.copies.values()) copy.start();
  }

  stop(): void {
    for (const copy of this.copies.values()) copy.stop();
  }

  async issue(identity: Identity, grant: NewGrant, seconds: number): Promise<IssuedToken> {
    if (this.halfMade.size > 0) void this.sweep();
    // A request's grant is named after the request: the hub refuses a second one (409).
    const id = grant.requestId ?? newId(randomBytes);
    const name = PREFIX + id;
    const namespace = identity.namespace;
    const body = grantSecret(namespace, id, grant, identity.serviceAccount, new Date(grant.grantedAt.getTime() + seconds * 1000));
    const secret = await this.conn.create<k8s.V1Secret>('create grant', paths.secrets(namespace), body);
    this.copies.get(namespace)?.put(secret);
    const created = toGrant(secret);
    try {
      const { token, expiresAt: tokenExpiry } = await this.mint(identity, created, seconds);
      // The hub may cut a long request short: the grant ends when its token does. (Its answer
      // is in whole seconds, so only a real cut is worth recording.)
      if (tokenExpiry.getTime() < created.expiresAt.getTime() - 60_000) created.expiresAt = await this.shorten(secret, tokenExpiry);
      return { grant: created, token };
    } catch (err) {
      // No token came of it: the grant must not linger as if it had. When the hub also refuses
      // the clean-up, the grant is hidden and deleted on a later request or housekeeping.
      await this.delete(namespace, name).catch(() => this.halfMade.add(`${namespace}/${name}`));
      throw err;
    }
  }

  /** A fresh token bound to the same grant, lasting until the grant's end (the hub's floor is 10m). */
  async reissue(grant: Grant, identity: Identity, now: Date): Promise<IssuedToken> {
    const left = Math.floor((grant.expiresAt.getTime() - now.getTime()) / 1000);
    const { token, expiresAt } = await this.mint(identity, grant, Math.max(MIN_SECONDS, left));
    return { grant, token, tokenExpiresAt: expiresAt };
  }

  /** Looked for in every role namespace (an id is random or a request's, and a request has one role, so at most one has it). */
  async get(id: string): Promise<Grant | undefined> {
    if (!isObjectId(id)) return undefined;
    const found = await Promise.all(
      this.namespaces
        .filter((ns) => !this.halfMade.has(`${ns}/${PREFIX + id}`))
        .map((ns) => this.conn.getIfExists<k8s.V1Secret>('read grant', paths.secrets(ns, PREFIX + id))),
    );
    const secret = found.find((s) => s?.type === GRANT_TYPE);
    return secret ? toGrant(secret) : undefined;
  }

  /** From the live copies; fails (hub unavailable) when they cannot be made current in time. */
  async list(filter: { userId?: string }): Promise<Grant[]> {
    const copies = [...this.copies.values()];
    await Promise.all(copies.map((c) => c.current(CURRENT_WITHIN_MS)));
    return copies
      .flatMap((c) => c.values())
      .filter((g): g is Grant => g !== undefined)
      .filter((g) => (!filter.userId || g.userId === filter.userId) && !this.halfMade.has(`${g.namespace}/${PREFIX + g.id}`))
      .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
  }

  /** False when the grant was already gone. */
  async delete(namespace: string, name: string): Promise<boolean> {
    const deleted = await this.conn.deleteIfExists('delete grant', paths.secrets(namespace, name));
    this.copies.get(namespace)?.drop(name);
    return deleted;
  }

  async revoke(id: string): Promise<boolean> {
    const deleted = await Promise.all(this.namespaces.map((ns) => this.delete(ns, PREFIX + id)));
    return deleted.includes(true);
  }

  /** Deletes the half-made grants again; those the hub still refuses stay for the next try. */
  async sweep(): Promise<void> {
    for (const key of [...this.halfMade]) {
      const [namespace, name] = key.split('/') as [string, string];
      if (await this.delete(namespace, name).then(() => true, () => false)) this.halfMade.delete(key);
    }
  }

  private async mint(identity: Identity, grant: Grant, seconds: number): Promise<{ token: string; expiresAt: Date }> {
    const body: k8s.AuthenticationV1TokenRequest = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: [],
        expirationSeconds: seconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: PREFIX + grant.id, uid: grant.uid },
      },
    };
    const answer = await this.conn.create<k8s.AuthenticationV1TokenRequest>('token request', paths.token(identity.namespace, identity.serviceAccount), body).catch((err: unknown) => {
      if (err instanceof HubError && err.kind === 'not-found') this.onMissingServiceAccount(identity);
      throw err;
    });
    const token = answer.status?.token;
    const expiresAt = answer.status?.expirationTimestamp;
    if (!token || !expiresAt) throw new HubError('unavailable', 'token request: answered without a token');
    return { token, expiresAt: new Date(expiresAt) };
  }

  /** Records who confirmed a break-glass grant; false when it is gone, confirmed already or changed meanwhile. */
  async confirmBreakGlass(grant: Grant, by: string): Promise<boolean> {
    const secret = await this.conn.getIfExists<k8s.V1Secret>('read grant', paths.secrets(grant.namespace, PREFIX + grant.id));
    const a = secret?.metadata?.annotations ?? {};
    if (!secret || !a[A.breakGlassConfirmBy] || a[A.breakGlassConfirmedBy]) return false;
    const body = { ...secret, metadata: { ...secret.metadata, annotations: { ...a, [A.breakGlassConfirmedBy]: by } } };
    return this.recorded(grant.namespace, await this.conn.replaceUnlessChanged<k8s.V1Secret>('confirm break-glass', paths.secrets(grant.namespace, PREFIX + grant.id), body));
  }

  async markReminded(grant: Grant, at: Date): Promise<boolean> {
    const secret = await this.conn.getIfExists<k8s.V1Secret>('read grant', paths.secrets(grant.namespace, PREFIX + grant.id));
    if (!secret || secret.metadata?.annotations?.[A.remindedAt] || (grant.version && secret.metadata?.resourceVersion !== grant.version)) return false;
    const body = { ...secret, metadata: { ...secret.metadata, annotations: { ...secret.metadata?.annotations, [A.remindedAt]: at.toISOString() } } };
    return this.recorded(grant.namespace, await this.conn.replaceUnlessChanged<k8s.V1Secret>('mark grant reminded', paths.secrets(grant.namespace, PREFIX + grant.id), body));
  }

  /** A change the hub took goes into the copy at once; undefined (another writer was first) is false. */
  private recorded(namespace: string, secret: k8s.V1Secret | undefined): boolean {
    if (secret) this.copies.get(namespace)?.put(secret);
    return secret !== undefined;
  }

  private async shorten(secret: k8s.V1Secret, expiresAt: Date): Promise<Date> {
    const body = { ...secret, metadata: { ...secret.metadata, annotations: { ...secret.metadata?.annotations, [A.expiresAt]: expiresAt.toISOString() } } };
    this.recorded(secret.metadata!.namespace!, await this.conn.replace<k8s.V1Secret>('record real expiry', paths.secrets(secret.metadata!.namespace!, secret.metadata!.name!), body));
    return expiresAt;
  }
}

/** The Secret a grant is: metadata only, labels to find it by and annotations for the rest. */
export function grantSecret(namespace: string, id: string, grant: NewGrant, serviceAccount: string, expiresAt: Date): k8s.V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: GRANT_TYPE,
    metadata: {
      name: PREFIX + id,
      namespace,
      labels: botLabels({ [KIND]: 'grant', [USER]: grant.userId, [ROLE]: grant.role }),
      annotations: clean({
        [A.grantedAt]: grant.grantedAt.toISOString(),
        [A.expiresAt]: expiresAt.toISOString(),
        [A.serviceAccount]: serviceAccount,
        [A.approvedBy]: grant.approvedBy?.join(','),
        [A.reason]: grant.reason,
        [A.requestId]: grant.requestId,
        [A.breakGlassConfirmBy]: grant.breakGlass?.confirmBy.toISOString(),
      }),
    },
  };
}

export function toGrant(secret: k8s.V1Secret): Grant {
  const meta = secret.metadata ?? {};
  const a = meta.annotations ?? {};
  const l = meta.labels ?? {};
  const approvedBy = a[A.approvedBy]?.split(',').filter(Boolean);
  return {
    id: (meta.name ?? '').slice(PREFIX.length),
    uid: meta.uid,
    userId: l[USER] ?? '',
    role: l[ROLE] ?? '',
    serviceAccount: a[A.serviceAccount] ?? '',
    namespace: meta.namespace ?? '',
    grantedAt: new Date(a[A.grantedAt] ?? 0),
    expiresAt: new Date(a[A.expiresAt] ?? 0),
    ...(approvedBy?.length && { approvedBy }),
    ...(a[A.reason] && { reason: a[A.reason] }),
    ...(a[A.requestId] && { requestId: a[A.requestId] }),
    ...(a[A.remindedAt] && { remindedAt: new Date(a[A.remindedAt]!) }),
    ...(a[A.breakGlassConfirmBy] && { breakGlass: { confirmBy: new Date(a[A.breakGlassConfirmBy]!), ...(a[A.breakGlassConfirmedBy] && { confirmedBy: a[A.breakGlassConfirmedBy] }) } }),
    ...(meta.resourceVersion && { version: meta.resourceVersion }),
  };
}

function clean(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => e[1] !== undefined));
}
