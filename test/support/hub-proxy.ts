// A loopback HTTPS proxy in front of the test hub: answers /server-configs as told (to change what
// the hub says about RBAC mid-test) and injects faults — dropped connections, delays, error answers.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export type Fault = { drop: true } | { delayMs: number } | { status: number; body?: string } | { hang: true };

export interface HubProxy {
  server: string;
  /** Requests that reached the proxy, as `METHOD path`. */
  seen: string[];
  /** The same with their query strings, as `METHOD path?query`. */
  seenWithQuery: string[];
  serverConfigs?: unknown;
  /** Decides per request; undefined passes it through. */
  fault?: (method: string, path: string, headers: import('node:http').IncomingHttpHeaders) => Fault | undefined;
  /** Drops every open connection (long watches included), as a network cut would. */
  cut(): void;
  stop(): Promise<void>;
}

let certificate: { key: string; cert: string } | undefined;

function selfSigned(): { key: string; cert: string } {
  if (!certificate) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-proxy-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { stdio: 'ignore' });
    certificate = { key: fs.readFileSync(`${dir}/key.pem`, 'utf8'), cert: fs.readFileSync(`${dir}/cert.pem`, 'utf8') };
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return certificate;
}

export async function startHubProxy(target: string, opts: { serverConfigs?: unknown } = {}): Promise<HubProxy> {
  const sockets = new Set<import('node:stream').Duplex>();
  const proxy: HubProxy = {
    server: '',
    seen: [],
    seenWithQuery: [],
    ...(opts.serverConfigs !== undefined && { serverConfigs: opts.serverConfigs }),
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const upstream = https.request(new URL(req.url ?? '/', target), { method: req.method, headers: { ...req.headers, host: new URL(target).host }, rejectUnauthorized: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      // A watch answers its headers long before its first event: pass them on at once.
      res.flushHeaders();
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  };
  const server = https.createServer(selfSigned(), (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = (req.url ?? '/').split('?')[0]!;
      proxy.seen.push(`${req.method} ${p}`);
      proxy.seenWithQuery.push(`${req.method} ${req.url ?? '/'}`);
      if (p === '/server-configs' && proxy.serverConfigs !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(proxy.serverConfigs));
        return;
      }
      const fault = proxy.fault?.(req.method ?? 'GET', p, req.headers);
      if (!fault) return forward(req, res, Buffer.concat(chunks));
      if ('drop' in fault) return void req.socket.destroy();
      if ('hang' in fault) return;
      if ('status' in fault) return void res.writeHead(fault.status, { 'content-type': 'application/json' }).end(fault.body ?? JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: fault.status }));
      setTimeout(() => forward(req, res, Buffer.concat(chunks)), fault.delayMs);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  proxy.server = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return proxy;
}
