/** A token handed out, as the hub records it: metadata only, never the token. */
export interface Grant {
  id: string;
  userId: string;
  role: string;
  serviceAccount: string;
  namespace: string;
  grantedAt: Date;
  expiresAt: Date;
  approvedBy?: string[];
  reason?: string;
  requestId?: string;
  /** The hub object's uid: tokens are bound to it and die with it. */
  uid?: string;
  /** When the expiry reminder went out, so that only one replica sends it. */
  remindedAt?: Date;
  /** A break-glass grant: revoked at `confirmBy` unless an approver confirmed it. */
  breakGlass?: { confirmBy: Date; confirmedBy?: string };
  /** Owned by the hub: what compare-and-swap compares. */
  version?: string;
}

export type NewGrant = Omit<Grant, 'id' | 'expiresAt' | 'serviceAccount' | 'namespace' | 'uid' | 'remindedAt' | 'version'>;

const ALPHABET = 'abcdefghijkmnopqrstuvwxyz23456789';

/** Short ids people can type back (`/karpor-token revoke k3x9…`), from a crypto source. */
export function newId(randomBytes: (n: number) => Uint8Array, length = 10): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const b of bytes) id += ALPHABET[b % ALPHABET.length];
  return id;
}

export function isLive(grant: Grant, now: Date): boolean {
  return grant.expiresAt.getTime() > now.getTime();
}

/** How far `to` is from `now` in whole minutes, as days, hours and minutes; `ahead` when `to` is later. */
export function span(to: Date, now: Date): { ahead: boolean; days: number; hours: number; minutes: number } {
  const diff = Math.round((to.getTime() - now.getTime()) / 60_000);
  const abs = Math.abs(diff);
  return { ahead: diff >= 0, days: Math.floor(abs / 1440), hours: Math.floor((abs % 1440) / 60), minutes: abs % 60 };
}

export function utc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
