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

/** `CoreOptions.EnableRBAC`, where Karpor's answer holds it; undefined when it is not a boolean there. */
export function rbacFlag(answer: unknown): boolean | undefined {
  const flag = (answer as { CoreOptions?: { EnableRBAC?: unknown } } | undefined)?.CoreOptions?.EnableRBAC;
  return typeof flag === 'boolean' ? flag : undefined;
}
