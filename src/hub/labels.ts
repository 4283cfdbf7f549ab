/** Labels and annotations on every object the bot keeps on the hub. */
export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const BOT = 'karpor-token-bot';
export const USER = 'karpor.io/user';
export const ROLE = 'karpor.io/role';
export const STATE = 'karpor.io/state';
/** `grant` or `request`: which of the bot's Secrets an object is. */
export const KIND = 'karpor.io/kind';

export const GRANT_TYPE = 'karpor.io/grant';
export const REQUEST_TYPE = 'karpor.io/access-request';

/**
 * Whether an id from a button or form can name one of the bot's objects. Anything else (a path,
 * a selector, garbage) is not looked up: the client encodes `/` as %2F, but the API server
 * decodes it and would authorize some other path.
 */
export function isObjectId(id: string): boolean {
  return /^[a-z0-9]{1,40}$/.test(id);
}

export function botLabels(extra: Record<string, string>): Record<string, string> {
  return { [MANAGED_BY]: BOT, ...extra };
}

export function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
