import type { RequestListener } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Metrics } from './metrics';

export interface Readiness {
  ok: boolean;
  checks: Record<string, boolean>;
}

/**
 * `/healthz` (the process serves), `/readyz` (this pod can take work) and `/metrics`. Readiness
 * is about the pod alone and reads only its own state: the hub and Slack are shared by every
 * replica, so an outage of theirs would empty the Service and Slack would show people
 * `dispatch_failed` instead of the bot's own answer; their state is in the metrics and the logs.
 */
export function healthRoutes(ready: () => Readiness, metrics: Metrics): CustomRoute[] {
  return [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n') },
    {
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => {
        const { ok, checks } = ready();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(checks));
      },
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => void metrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text)),
    },
  ];
}

/** The path exactly as sent (no decoding, no `..` or `\` resolved), without the query. */
export function rawPath(url: string | undefined): string {
  const path = url ?? '/';
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

/** The route for exactly this raw path and method: `/slack/events/..\..\readyz` is no route. */
export function routeFor(routes: CustomRoute[], url: string | undefined, method: string | undefined): CustomRoute | undefined {
  const path = rawPath(url);
  return routes.find((r) => r.path === path && [r.method].flat().includes(method ?? ''));
}

/** The routes on a server of their own: anything else gets 404. */
export function serveRoutes(routes: CustomRoute[]): RequestListener {
  return (req, res) => {
    const route = routeFor(routes, req.url, req.method);
    if (route) route.handler(Object.assign(req, { params: {} }), res);
    else res.writeHead(404).end();
  };
}
