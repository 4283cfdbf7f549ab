import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { FAKE_SLACK_DEFAULTS } from './slack-api';

// A stand-in for Slack's Socket Mode endpoint (wss://wss-primary.slack.com/link/?ticket=…) on
// 127.0.0.1, speaking the protocol as @slack/socket-mode expects it:
//  - the app gets a URL from apps.connections.open (see `connectionUrl`, which the fake Web API
//    hands out); each URL carries a one-time ticket, and a connection without a valid one is refused;
//  - on connect the server sends `hello` (num_connections, debug_info, connection_info);
//  - requests arrive as envelopes `{envelope_id, type, payload, accepts_response_payload}`;
//  - the app acks each with `{envelope_id, payload}` on the same socket;
//  - WebSocket pings both ways; `disconnect` asks the app to reconnect.
// Like the fake Web API it must stay free of test-framework imports and never print payloads.

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface SocketAck {
  envelopeId: string;
  /** The app's answer inside the ack (`{}` for a bare `ack()`). */
  payload: Record<string, any>;
  /** Milliseconds from sending the envelope to receiving its ack. */
  ms: number;
  /** Which connection the envelope went out on and the ack came back on. */
  connection: number;
}

export interface SocketConnection {
  id: number;
  ticket: string;
  openedAt: number;
  closedAt?: number;
  /** Close code as the server saw it (1000 when the app closed normally). */
  closeCode?: number;
  /** Pings the app sent (the server answers each with a pong). */
  pingsFromApp: number;
  /** Pongs the app sent back for the server's pings. */
  pongsFromApp: number;
}

export interface SendOptions {
  /** Default: true for slash commands, view submissions and block suggestions, as on Slack. */
  acceptsResponsePayload?: boolean;
  retryAttempt?: number;
  retryReason?: string;
  /** Reject when no ack came within this long; default 5000. */
  ackTimeoutMs?: number;
}

export interface FakeSocketModeOptions {
  appId?: string;
  /** Send a WebSocket ping this often, as Slack does; 0 turns it off. Default 10000. */
  pingIntervalMs?: number;
}

export interface FakeSocketMode {
  /** A fresh connection URL with a one-time ticket: what apps.connections.open answers. */
  connectionUrl(): string;
  /** Every connection so far, open or closed, oldest first. */
  connections: SocketConnection[];
  /** How many connections are open now. */
  openCount(): number;
  /** Messages from the app that were not the ack of an envelope in flight. */
  stray: string[];
  /** Resolves once `n` connections are open (hello sent); rejects after `timeoutMs` (default 5000). */
  waitForConnections(n?: number, timeoutMs?: number): Promise<void>;
  /** Resolves once no connection is open; rejects after `timeoutMs` (default 5000). */
  waitForNoConnection(timeoutMs?: number): Promise<void>;
  /** Delivers a slash command (`payload` holds the same fields as Slack's HTTP form) and resolves with its ack. */
  sendSlashCommand(fields: Record<string, string>, opts?: SendOptions): Promise<SocketAck>;
  /** Delivers an interaction payload (block_actions, view_submission, …) and resolves with its ack. */
  sendInteractive(payload: object, opts?: SendOptions): Promise<SocketAck>;
  sendEnvelope(type: EnvelopeType, payload: object, opts?: SendOptions): Promise<SocketAck>;
  /** A WebSocket ping on every open connection now (besides the periodic ones). */
  ping(): void;
  /** Drops every connection at once, with no close handshake (as a network failure would). */
  cut(): void;
  /** Slack's `disconnect` message on every open connection (it is about to go away). */
  requestDisconnect(reason?: 'warning' | 'refresh_requested' | 'link_disabled'): void;
  stop(): Promise<void>;
}

interface Pending {
  resolve(ack: SocketAck): void;
  reject(err: Error): void;
  started: bigint;
  connection: number;
  timer: NodeJS.Timeout;
}

interface Live {
  info: SocketConnection;
  ws: WebSocket;
}

const RESPONSE_PAYLOAD_INTERACTIONS = new Set(['view_submission', 'block_suggestion']);

export async function startFakeSocketMode(opts: FakeSocketModeOptions = {}): Promise<FakeSocketMode> {
  const appId = opts.appId ?? FAKE_SLACK_DEFAULTS.appId;
  const pingIntervalMs = opts.pingIntervalMs ?? 10_000;
  const tickets = new Set<string>();
  const connections: SocketConnection[] = [];
  const live = new Map<number, Live>();
  const pending = new Map<string, Pending>();
  const stray: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  const wss = new WebSocketServer({ noServer: true });

  const refuse = (socket: Duplex, status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (stopped) return refuse(socket, '503 Service Unavailable');
    if (url.pathname.replace(/\/$/, '') !== '/link') return refuse(socket, '404 Not Found');
    // A ticket is good for one connection, as on Slack: a reconnect needs apps.connections.open again.
    if (!tickets.delete(ticket)) return refuse(socket, '401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, ticket));
  });

  const accept = (ws: WebSocket, ticket: string) => {
    const info: SocketConnection = { id: connections.length + 1, ticket, openedAt: Date.now(), pingsFromApp: 0, pongsFromApp: 0 };
    connections.push(info);
    live.set(info.id, { info, ws });
    const pinger = pingIntervalMs > 0 ? setInterval(() => ws.ping(Buffer.from(`ping ${Date.now()}`)), pingIntervalMs) : undefined;
    if (pinger) timers.add(pinger);
    ws.on('ping', () => void (info.pingsFromApp += 1));
    ws.on('pong', () => void (info.pongsFromApp += 1));
    ws.on('message', (data: RawData, isBinary: boolean) => onMessage(info, data, isBinary));
    ws.on('error', () => undefined);
    ws.on('close', (code: number) => {
      info.closedAt = Date.now();
      info.closeCode = code;
      live.delete(info.id);
      if (pinger) {
        clearInterval(pinger);
        timers.delete(pinger);
      }
      for (const [id, p] of pending) {
        if (p.connection !== info.id) continue;
        pending.delete(id);
        clearTimeout(p.timer);
        p.reject(new Error(`fake Socket Mode: connection ${info.id} closed (code ${code}) before envelope ${id} was acked`));
      }
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: live.size,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: appId },
      }),
    );
  };

  const onMessage = (info: SocketConnection, data: RawData, isBinary: boolean) => {
    const text = isBinary ? '' : data.toString();
    let message: any;
    try {
      message = JSON.parse(text);
    } catch {
      stray.push(text);
      return;
    }
    const id = typeof message?.envelope_id === 'string' ? message.envelope_id : undefined;
    const p = id === undefined ? undefined : pending.get(id);
    if (!p || p.connection !== info.id) {
      stray.push(text);
      return;
    }
    pending.delete(id!);
    clearTimeout(p.timer);
    const payload = typeof message.payload === 'object' && message.payload !== null ? message.payload : {};
    p.resolve({ envelopeId: id!, payload, ms: Number(process.hrtime.bigint() - p.started) / 1e6, connection: info.id });
  };

  const newest = (): Live | undefined => [...live.values()].at(-1);

  const sendEnvelope = (type: EnvelopeType, payload: object, o: SendOptions = {}): Promise<SocketAck> => {
    const target = newest();
    if (stopped || !target) return Promise.reject(new Error('fake Socket Mode: no app is connected'));
    const envelopeId = randomUUID();
    const accepts = o.acceptsResponsePayload ?? (type === 'slash_commands' || (type === 'interactive' && RESPONSE_PAYLOAD_INTERACTIONS.has(String((payload as { type?: unknown }).type))));
    const envelope = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: accepts,
      ...(o.retryAttempt !== undefined && { retry_attempt: o.retryAttempt, retry_reason: o.retryReason ?? 'timeout' }),
    };
    const timeoutMs = o.ackTimeoutMs ?? 5000;
    return new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(envelopeId);
        reject(new Error(`fake Socket Mode: no ack for ${type} envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(envelopeId, { resolve, reject, started: process.hrtime.bigint(), connection: target.info.id, timer });
      target.ws.send(JSON.stringify(envelope));
    });
  };

  const waitUntil = (pred: () => boolean, timeoutMs: number, what: string): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    return new Promise<void>((resolve, reject) => {
      const tick = () => {
        if (pred()) return resolve();
        if (Date.now() >= deadline) return reject(new Error(`fake Socket Mode: ${what} within ${timeoutMs} ms`));
        const t = setTimeout(() => {
          timers.delete(t);
          tick();
        }, 10);
        timers.add(t);
      };
      tick();
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    connectionUrl() {
      const ticket = randomBytes(16).toString('hex');
      tickets.add(ticket);
      return `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=${appId}`;
    },
    connections,
    openCount: () => live.size,
    stray,
    waitForConnections: (n = 1, timeoutMs = 5000) => waitUntil(() => live.size >= n, timeoutMs, `fewer than ${n} connection(s) open`),
    waitForNoConnection: (timeoutMs = 5000) => waitUntil(() => live.size === 0, timeoutMs, 'a connection still open'),
    sendSlashCommand: (fields, o) => sendEnvelope('slash_commands', fields, o),
    sendInteractive: (payload, o) => sendEnvelope('interactive', payload, o),
    sendEnvelope,
    ping() {
      for (const { ws } of live.values()) ws.ping(Buffer.from(`ping ${Date.now()}`));
    },
    cut() {
      for (const { ws } of live.values()) ws.terminate();
    },
    requestDisconnect(reason = 'refresh_requested') {
      for (const { ws } of live.values()) ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(new Error(`fake Socket Mode: stopped before envelope ${id} was acked`));
      }
      pending.clear();
      // Closed as a server going away would; whatever has not finished the close handshake soon is cut.
      const open = [...live.values()].map(({ ws }) => ws);
      for (const ws of open) ws.close(1001, 'going away');
      await new Promise<void>((resolve) => {
        const cut = setTimeout(resolve, 1000);
        const check = () => {
          if (live.size > 0) return;
          clearTimeout(cut);
          resolve();
        };
        for (const ws of open) ws.once('close', check);
        check();
      });
      for (const ws of open) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
