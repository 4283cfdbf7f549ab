import type * as k8s from '@kubernetes/client-node';
import { HubClient, type HubSource } from './client';
import { writeCredentialSecret, type SecretRef } from './credential-secret';
import { Kubeconfig } from './kubeconfig';
import { paths } from './paths';
import { claimsOf, type TokenClaims } from './token-claims';

export interface CredentialOptions {
  path: string;
  context?: string;
  /** Stores a renewed kubeconfig where new pods read it (the Secret the file is mounted from). */
  store?: (kubeconfig: string) => Promise<void>;
  /** Told the expiry whenever it is known anew. */
  onExpiry: (expiresAt: Date) => void;
}

/**
 * The bot's own hub credential: the kubeconfig file setup-hub wrote, plus, once renewed, a
 * fresher token held in memory (and stored back when a store is configured). The bot renews its
 * token itself, for itself only: its Role allows a TokenRequest for its own ServiceAccount and
 * no other, bound to the same anchor Secret, so deleting that Secret (setup-hub --rotate) still
 * revokes every token it ever had.
 */
export class OwnCredential {
  private fresh?: { token: string; claims: TokenClaims };
  private renewing?: Promise<Date | undefined>;

  constructor(private readonly opts: CredentialOptions) {}

  /**
   * The kubeconfig to use now: the file's, with the later issued of its token and the renewed one
   * (a file replaced since, e.g. by setup-hub --rotate, wins).
   */
  async kubeconfig(): Promise<Kubeconfig> {
    const file = Kubeconfig.fromFile(this.opts.path, this.opts.context);
    const fileIssued = claimsOf(file.token)?.iat ?? 0;
    const kc = file.token && this.fresh && (this.fresh.claims.iat ?? 0) >= fileIssued ? file.withToken(this.fresh.token) : file;
    const exp = claimsOf(kc.token)?.exp;
    if (exp) this.opts.onExpiry(new Date(exp * 1000));
    return kc;
  }

  /** The current token's claims (file or renewed, whichever lasts longer). */
  async claims(): Promise<TokenClaims | undefined> {
    return claimsOf((await this.kubeconfig()).token);
  }

  /**
   * Renews the token once a third of its lifetime is left (or when `force`): a TokenRequest for
   * the bot's own ServiceAccount, as long as the first one and bound to the same Secret. Returns
   * the new expiry, or `undefined` when nothing was due or the token cannot renew itself.
   */
  renew(conn: HubClient, now: Date, force = false): Promise<Date | undefined> {
    this.renewing ??= this.renewOnce(conn, now, force).finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renewOnce(conn: HubClient, now: Date, force: boolean): Promise<Date | undefined> {
    const claims = await this.claims();
    const k = claims?.['kubernetes.io'];
    const namespace = k?.namespace;
    const name = k?.serviceaccount?.name;
    const anchor = k?.secret;
    if (!claims?.exp || !claims.iat || !namespace || !name || !anchor?.name || !anchor.uid) return undefined;
    const lifetime = claims.exp - claims.iat;
    if (!force && claims.exp - now.getTime() / 1000 > lifetime / 3) return undefined;
    const body: k8s.AuthenticationV1TokenRequest = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [], expirationSeconds: lifetime, boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: anchor.name, uid: anchor.uid } },
    };
    const answer = await conn.create<k8s.AuthenticationV1TokenRequest>('renew own token', paths.token(namespace, name), body);
    const token = answer.status?.token;
    const fresh = claimsOf(token);
    if (!token || !fresh?.exp) throw new Error('TokenRequest for the bot itself answered without a token');
    this.fresh = { token, claims: fresh };
    // New connections use it from now on; calls under way finish on the old one.
    conn.reload();
    await this.opts.store?.((await this.kubeconfig()).text());
    return new Date(fresh.exp * 1000);
  }
}

export interface ExpiryReport {
  /** A renewal was due but failed, or the token cannot renew itself and is close to its end. */
  warn: (detail: object, message: string) => void;
  /** Less than a day (or a tenth of its lifetime) is left. */
  alert: (detail: object, message: string) => void;
}

/** Renews the credential when due and says so when its end comes close without a renewal. */
export async function keepCredential(credential: OwnCredential, conn: HubClient, now: Date, report: ExpiryReport & { renewed: (expiresAt: Date) => void }): Promise<void> {
  let failure: unknown;
  try {
    const renewed = await credential.renew(conn, now);
    if (renewed) return report.renewed(renewed);
  } catch (err) {
    failure = err;
  }
  const claims = await credential.claims().catch(() => undefined);
  if (!claims?.exp) return;
  const left = claims.exp - now.getTime() / 1000;
  const lifetime = claims.iat ? claims.exp - claims.iat : left;
  if (left > lifetime / 3 && !failure) return;
  const detail = { expiresAt: new Date(claims.exp * 1000).toISOString(), ...(failure !== undefined && { err: failure }) };
  const message = failure !== undefined ? "the bot's hub credential could not be renewed" : "the bot's hub credential is close to its end and cannot renew itself: run setup-hub again";
  if (left < Math.min(86_400, lifetime / 10)) report.alert(detail, message);
  else report.warn(detail, message);
}

/**
 * How the bot reaches the hub for its settings: a kubeconfig file becomes the bot's own
 * self-renewing credential (stored back into `credentialSecret` when one is set); any other
 * source is used as it is.
 */
export function ownHubAccess(
  hub: { source: HubSource; credentialSecret?: SecretRef; timeoutMs: number },
  deps: ExpiryReport & { expiry: (at: Date) => void; renewed: (at: Date) => void; hostCluster?: HubSource },
): { source: HubSource; keep?: (conn: HubClient, now: Date) => Promise<void> } {
  if (hub.source.kind !== 'kubeconfig') return { source: hub.source };
  const secret = hub.credentialSecret;
  const credential = new OwnCredential({
    path: hub.source.path,
    ...(hub.source.context && { context: hub.source.context }),
    ...(secret && { store: (kubeconfig: string) => storeCredential(deps.hostCluster ?? { kind: 'in-cluster' }, hub.timeoutMs, secret, kubeconfig) }),
    onExpiry: deps.expiry,
  });
  return {
    source: { kind: 'provided', load: () => credential.kubeconfig() },
    keep: (conn, now) => keepCredential(credential, conn, now, deps),
  };
}

/** Through a client of the host cluster made for this one write: a renewal comes every few days at most. */
async function storeCredential(hostCluster: HubSource, timeoutMs: number, secret: SecretRef, kubeconfig: string): Promise<void> {
  const host = new HubClient(hostCluster, timeoutMs);
  try {
    await writeCredentialSecret(host, secret, kubeconfig);
  } finally {
    host.reload();
  }
}
