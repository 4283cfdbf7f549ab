// The test hub's front: a TLS reverse proxy on the hub's address, in front of kube-apiserver,
// that answers the few paths where Karpor's own server differs from a plain kube-apiserver
// (see README.md in this directory). Everything else passes through untouched.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { KeyPair } from './certs';

export interface FrontOptions {
  /** kube-apiserver behind the front, https://127.0.0.1:PORT. */
  upstream: string;
  /** Karpor's --enable-rbac. Off: every request is allowed, whatever it carries. */
  rbac: boolean;
  /** What /server-configs reports as Version. */
  version: string;
  serving: KeyPair;
  /** Client certificates signed by this CA authenticate as CN (user) and O (groups), as on Karpor. */
  clientCaPath: string;
  /** The front's own client certificate, which kube-apiserver trusts to name the user (--requestheader-*). */
  asserting: KeyPair;
}

export interface Front {
  /** https://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
}

/** Headers kube-apiserver reads the asserted identity from (its --requestheader-* flags). */
export const IDENTITY_HEADERS = { user: 'x-remote-user', group: 'x-remote-group' } as const;

/** Who a request counts as on a hub with RBAC off: allowed everything, as Karpor allows it. */
const RBAC_OFF_USER = { name: 'karpor:rbac-off', groups: ['system:masters'] };

function status(res: http.ServerResponse, code: number, message: string): void {
  const reason = code === 401 ? 'Unauthorized' : 'BadGateway';
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

function names(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export async function startFront(opts: FrontOptions): Promise<Front> {
  // The upstream's serving certificate is the one kube-apiserver makes itself at start, on loopback.
  const plain = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
  const asserting = new https.Agent({
    keepAlive: true,
    rejectUnauthorized: false,
    key: fs.readFileSync(opts.asserting.keyPath),
    cert: fs.readFileSync(opts.asserting.certPath),
  });

  const serverConfigs = JSON.stringify({
    CoreOptions: { ReadOnlyMode: false, EnableRBAC: opts.rbac },
    Version: opts.version,
  });
  const authnOk = JSON.stringify({ success: true, message: 'OK', data: null });
  // Paths Karpor itself serves; the plain apiserver has no handler there, so an allowed request
  // ends in its 404, which the front turns into Karpor's answer. 401 and 403 pass through.
  const karporAnswers: Record<string, string> = { '/server-configs': serverConfigs, '/rest-api/v1/authn': authnOk };

  const server = https.createServer(
    {
      key: fs.readFileSync(opts.serving.keyPath),
      cert: fs.readFileSync(opts.serving.certPath),
      ca: fs.readFileSync(opts.clientCaPath),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const headers: http.OutgoingHttpHeaders = { ...req.headers, host: new URL(opts.upstream).host };
      // Only the front names users: nothing a client sends may do it.
      for (const h of Object.keys(headers)) if (h.startsWith('x-remote-')) delete headers[h];

      let identity: { name: string; groups: string[] } | undefined;
      if (!opts.rbac) {
        // Karpor with RBAC off drops the Authorization header and allows everything.
        delete headers.authorization;
        identity = RBAC_OFF_USER;
      } else {
        const socket = req.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        if (peer && Object.keys(peer).length > 0) {
          if (!socket.authorized) return status(res, 401, 'Unauthorized');
          identity = { name: String(peer.subject.CN), groups: names(peer.subject.O) };
        }
      }
      if (identity) {
        headers[IDENTITY_HEADERS.user] = identity.name;
        if (identity.groups.length > 0) headers[IDENTITY_HEADERS.group] = identity.groups;
      }

      const pathOnly = (req.url ?? '/').split('?')[0]!;
      const karpor = req.method === 'GET' ? karporAnswers[pathOnly] : undefined;
      const upstream = https.request(
        new URL(req.url ?? '/', opts.upstream),
        { method: req.method, headers, agent: identity ? asserting : plain },
        (up) => {
          if (karpor !== undefined && up.statusCode === 404) {
            up.resume();
            res.writeHead(200, { 'content-type': 'application/json' }).end(karpor);
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          // Now, not with the first byte of the body: a watch may send none for a long time.
          res.flushHeaders();
          up.pipe(res);
        },
      );
      upstream.on('error', (err) => (res.headersSent ? res.destroy() : status(res, 502, `test hub front: ${err.message}`)));
      // A client that goes away (a watch it stops) ends the upstream request too.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
    },
  );
  const sockets = new Set<import('node:stream').Duplex>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('test hub front: no address');
  let stopped: Promise<void> | undefined;
  return {
    url: `https://127.0.0.1:${address.port}`,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        plain.destroy();
        asserting.destroy();
      })),
  };
}
