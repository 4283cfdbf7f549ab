import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * Whether the hub enforces RBAC, from Karpor's `GET /server-configs` (`EnableRBAC`). With RBAC off
 * (the Helm chart's default) the hub accepts any token and the tokens protect nothing.
 * Undefined when the hub does not say (not a Karpor hub, or unreachable).
 */
export async function hubRbacEnabled(kc: KubeConfig, timeoutMs: number): Promise<boolean | undefined> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) return undefined;
  const opts: https.RequestOptions = { method: 'GET', timeout: timeoutMs };
  await kc.applyToHTTPSOptions(opts);
  const body = await new Promise<string | undefined>((resolve) => {
    const req = https.request(new URL('/server-configs', server), opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < 65_536) text += chunk;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? text : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
  return body === undefined ? undefined : rbacFlag(body);
}

/** Finds `EnableRBAC` wherever the answer nests it. */
export function rbacFlag(body: string): boolean | undefined {
  let found: boolean | undefined;
  try {
    JSON.parse(body, (key, value) => {
      if (key.toLowerCase() === 'enablerbac' && typeof value === 'boolean') found = value;
      return value;
    });
  } catch {
    return undefined;
  }
  return found;
}
