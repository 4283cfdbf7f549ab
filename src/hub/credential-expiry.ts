import { X509Certificate } from 'node:crypto';
import { claimsOf } from './token-claims';

/**
 * When the bot's own hub credential stops working, for the doctor: the end of its client
 * certificate or the `exp` of its token, whichever comes first. `null` when it has no end (a
 * JWT without `exp`); undefined when it cannot be told (an opaque token, an unreadable
 * certificate). Only the expiry is read: nothing here checks a signature or keeps the credential.
 */
export function credentialExpiry(credential: { token?: string; cert?: string }): Date | null | undefined {
  const ends = [
    ...(credential.cert !== undefined ? [certificateEnd(credential.cert)] : []),
    ...(credential.token !== undefined ? [tokenEnd(credential.token)] : []),
  ];
  if (ends.length === 0 || ends.includes(undefined)) return undefined;
  const dated = ends.filter((e): e is Date => e instanceof Date);
  return dated.length ? new Date(Math.min(...dated.map((d) => d.getTime()))) : null;
}

function certificateEnd(pem: string): Date | undefined {
  try {
    return new Date(new X509Certificate(pem).validTo);
  } catch {
    return undefined;
  }
}

function tokenEnd(token: string): Date | null | undefined {
  const claims = claimsOf(token);
  if (!claims) return undefined;
  const exp: unknown = claims.exp;
  if (exp === undefined) return null;
  return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : undefined;
}
