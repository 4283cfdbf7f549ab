import type { RequestListener } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Metrics } from './metrics';

export interface Readiness {
  ok: boolean;
  checks: Record<string, boolean>;
}

/** `/healthz` (the process answers), `/readyz` (it can do its work) and `/metrics`. */
export function healthRoutes(ready: () => Promise<Readiness>, metrics: Metrics): CustomRoute[] {
  return [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n') },
    {
      path: '/readyz',
      method: ['GET'],
      handler: (_req, res) => void ready().then(({ ok, checks }) => res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(checks))),
    },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) => void metrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text)),
    },
  ];
}

/** The routes on a server of the bot's own (in Socket Mode, where Slack's requests come by WebSocket). */
export function serveRoutes(routes: CustomRoute[]): RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes.find((r) => r.path === path && [r.method].flat().includes(req.method ?? ''));
    if (route) route.handler(Object.assign(req, { params: {} }), res);
    else res.writeHead(404).end();
  };
}
