/** What the bot reads from a ServiceAccount token (never verified here: the hub does that). */
export interface TokenClaims {
  iat?: number;
  /** Seconds; a token may carry anything here, so check before use where that matters. */
  exp?: number;
  'kubernetes.io'?: { namespace?: string; serviceaccount?: { name?: string }; secret?: { name?: string; uid?: string } };
}

/** The claims of a JWT; undefined for anything else (an opaque token, a payload that is not a JSON object). */
export function claimsOf(token: string | undefined): TokenClaims | undefined {
  const parts = token?.split('.');
  if (parts?.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as TokenClaims) : undefined;
  } catch {
    return undefined;
  }
}

