import { X509Certificate } from 'node:crypto';

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
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    if (claims === null || typeof claims !== 'object') return undefined;
    if (claims.exp === undefined) return null;
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? new Date(claims.exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}
