import type { HubClient } from './client';

/**
 * Whether the hub enforces RBAC, from Karpor's `GET /server-configs` (`EnableRBAC`). With RBAC off
 * (the Helm chart's default) the hub accepts any token and the tokens protect nothing.
 * Undefined when the hub does not say (not a Karpor hub, or unreachable).
 */
export async function hubRbacEnabled(conn: HubClient): Promise<boolean | undefined> {
  const answer = await conn.get<unknown>('read server-configs', '/server-configs').catch(() => undefined);
  return rbacFlag(answer);
}

/** Finds `EnableRBAC` wherever the answer nests it. */
export function rbacFlag(answer: unknown): boolean | undefined {
  if (!answer || typeof answer !== 'object') return undefined;
  let found: boolean | undefined;
  for (const [key, value] of Object.entries(answer)) {
    if (key.toLowerCase() === 'enablerbac' && typeof value === 'boolean') found = value;
    else found = rbacFlag(value) ?? found;
  }
  return found;
}
