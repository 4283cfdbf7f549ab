// The load generator: a closed-loop pool of workers, signed slash commands over keep-alive
// connections, and exact arrival times of DMs and response_url answers from the fake Slack.
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { FakeSlack, RecordedMessage, RecordedResponse } from '../../test/fakes/slack-api';
import { workerFromSource } from './worker-source';
import { signRequest, slashCommandBody } from '../../test/support/slack-requests';

export interface PoolResult<T> {
  results: T[];
  wallMs: number;
}

/**
 * Runs `total` operations, at most `concurrency` at once; operation i is for users[i % n].
 * A user never has two operations in flight, so each DM maps to exactly one command.
 */
export async function runPool<T>(total: number, concurrency: number, users: string[], op: (user: string, i: number) => Promise<T>): Promise<PoolResult<T>> {
  const pending: number[] = Array.from({ length: total }, (_, i) => i);
  const busy = new Set<string>();
  const results: T[] = new Array(total);
  const sleepers: Array<() => void> = [];
  const userOf = (i: number) => users[i % users.length]!;
  // The user is marked busy here, synchronously: a worker resumes from `await next()` only a
  // microtask later, and another worker must not take the same user meanwhile.
  const next = async (): Promise<number | undefined> => {
    for (;;) {
      if (pending.length === 0) return undefined;
      const at = pending.findIndex((i) => !busy.has(userOf(i)));
      if (at >= 0) {
        const i = pending.splice(at, 1)[0]!;
        busy.add(userOf(i));
        return i;
      }
      await new Promise<void>((r) => sleepers.push(r));
    }
  };
  const started = performance.now();
  const worker = async () => {
    for (let i = await next(); i !== undefined; i = await next()) {
      const user = userOf(i);
      try {
        results[i] = await op(user, i);
      } finally {
        busy.delete(user);
        for (const wake of sleepers.splice(0)) wake();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return { results, wallMs: performance.now() - started };
}

interface Waiter<T> {
  deliver(at: number, value: T): void;
  cancel(): void;
}

/**
 * Arrival times (performance.now()) of ephemeral messages per recipient and of response_url
 * answers per id, taken in the fake's own process the moment it records them.
 */
export class SlackArrivals {
  private readonly dmWaiters = new Map<string, Waiter<RecordedMessage>>();
  private readonly responseWaiters = new Map<string, Waiter<RecordedResponse>>();
  /** Ephemeral messages nobody was waiting for. */
  readonly unexpected: RecordedMessage[] = [];

  constructor(slack: FakeSlack) {
    const self = this;
    const messages = slack.messages;
    messages.push = function (...items: RecordedMessage[]): number {
      const at = performance.now();
      for (const m of items) {
        if (m.method !== 'chat.postEphemeral' || !m.user) continue;
        const w = self.dmWaiters.get(m.user);
        if (w) w.deliver(at, m);
        else self.unexpected.push(m);
      }
      return Array.prototype.push.apply(this, items);
    };
    const responses = slack.responses;
    responses.push = function (...items: RecordedResponse[]): number {
      const at = performance.now();
      for (const r of items) {
        self.responseWaiters.get(r.id)?.deliver(at, r);
      }
      return Array.prototype.push.apply(this, items);
    };
  }

  /** The next ephemeral message to `user`; register before sending what causes it. */
  nextDm(user: string, timeoutMs: number): Promise<{ at: number; message: RecordedMessage }> {
    return this.wait(this.dmWaiters, user, timeoutMs, `no ephemeral DM for ${user}`).then(([at, message]) => ({ at, message }));
  }

  response(id: string, timeoutMs: number): Promise<{ at: number; response: RecordedResponse }> {
    return this.wait(this.responseWaiters, id, timeoutMs, `no response_url answer ${id}`).then(([at, response]) => ({ at, response }));
  }

  /** Stops waiting for a DM to `user` and the answer `responseId` (their command failed). */
  forget(user: string, responseId?: string): void {
    this.dmWaiters.get(user)?.cancel();
    if (responseId !== undefined) this.responseWaiters.get(responseId)?.cancel();
  }

  private wait<T>(map: Map<string, Waiter<T>>, key: string, timeoutMs: number, what: string): Promise<[number, T]> {
    if (map.has(key)) return Promise.reject(new Error(`already waiting: ${what}`));
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        map.delete(key);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      map.set(key, {
        deliver: (at, v) => {
          done();
          resolve([at, v]);
        },
        cancel: () => {
          done();
          reject(new Error(`stopped waiting: ${what}`));
        },
      });
    });
  }
}

export interface SendResult {
  status: number;
  /** performance.now() of this thread, like every time here. */
  sentAt: number;
  writtenAt: number;
  ackAt: number;
  /** The request opened a new connection (no idle keep-alive socket was free). */
  newConnection: boolean;
  /** Sent again on a new connection: the idle one it first took had just been closed by the bot. */
  retried: boolean;
  body: string;
}

/**
 * Slack's side of a slash command: signed, over a keep-alive agent, as Slack would send it.
 * Commands are sent, and their acks timed, on a thread of their own: this thread also plays the
 * Slack Web API the bot calls, and an ack must not wait in its queue behind those calls to be
 * timed (Slack's senders do nothing else).
 */
export class CommandSender {
  private readonly worker: Worker;
  private readonly waiting = new Map<string, { resolve(r: SendResult): void; reject(e: Error): void }>();
  private n = 0;

  constructor(
    url: string,
    private readonly signingSecret: string,
    private readonly slack: FakeSlack,
    maxSockets: number,
  ) {
    const config: SenderConfig = { url, maxSockets };
    this.worker = workerFromSource(senderThreadMain, config);
    this.worker.unref();
    this.worker.on('message', (m: FromSender) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if ('error' in m) return w.reject(new Error(m.error));
      // The thread's clock starts elsewhere; both count from their own timeOrigin.
      const shift = m.timeOrigin - performance.timeOrigin;
      const r = m.result;
      w.resolve({ ...r, sentAt: r.sentAt + shift, writtenAt: r.writtenAt + shift, ackAt: r.ackAt + shift });
    });
    const failAll = (err: Error) => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`the sending thread ended (${code})`)));
  }

  /** Builds a command with a fresh response_url; `send()` posts it. */
  prepare(userId: string, text: string): { responseId: string; send(): Promise<SendResult> } {
    const responseId = `bench-${++this.n}`;
    const raw = slashCommandBody({ userId, text, responseUrl: this.slack.responseUrl(responseId) });
    return {
      responseId,
      send: () =>
        new Promise<SendResult>((resolve, reject) => {
          this.waiting.set(responseId, { resolve, reject });
          const headers = { ...signRequest(this.signingSecret, raw), 'content-length': String(Buffer.byteLength(raw)) };
          this.worker.postMessage({ id: responseId, raw, headers } satisfies ToSender);
        }),
    };
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

interface SenderConfig {
  url: string;
  maxSockets: number;
}
interface ToSender {
  id: string;
  raw: string;
  headers: Record<string, string>;
}
type FromSender = { id: string; timeOrigin: number; result: SendResult } | { id: string; error: string };

/** The sending thread (see workerFromSource: it may use nothing from outside itself). */
function senderThreadMain(): void {
  const http: typeof import('node:http') = require('node:http');
  const { parentPort, workerData }: typeof import('node:worker_threads') = require('node:worker_threads');
  const { performance: perf }: typeof import('node:perf_hooks') = require('node:perf_hooks');
  const config = workerData as SenderConfig;
  const target = new URL(config.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.maxSockets });

  const postOnce = ({ raw, headers }: ToSender, sentAt: number, retried: boolean): Promise<SendResult> => {
    return new Promise((resolve, reject) => {
      let writtenAt = NaN;
      let newConnection = false;
      let answered = false;
      const req = http.request(target, { method: 'POST', headers, agent }, (res) => {
        answered = true;
        const ackAt = perf.now();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sentAt, writtenAt, ackAt, newConnection, retried, body }));
        res.on('error', reject);
      });
      req.on('socket', (socket) => (newConnection = socket.connecting));
      // 'finish': the whole request is handed to the kernel; what comes after is the bot's.
      req.on('finish', () => (writtenAt = perf.now()));
      req.setTimeout(30_000, () => req.destroy(new Error('no answer to the slash command within 30 s')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (!answered && !retried && req.reusedSocket && err.code === 'ECONNRESET') Object.assign(err, { staleSocket: true });
        reject(err);
      });
      req.end(raw);
    });
  };

  const post = async (command: ToSender): Promise<SendResult> => {
    const sentAt = perf.now();
    try {
      return await postOnce(command, sentAt, false);
    } catch (err) {
      // A keep-alive socket the server closed just as it was reused (see Node's docs on
      // request.reusedSocket): the request never reached the bot, so send it again, timed from the first try.
      if (!(err as { staleSocket?: boolean }).staleSocket) throw err;
      return postOnce(command, sentAt, true);
    }
  };

  // One command is started per event-loop turn, and the answers that arrived are read between
  // them: starting a request on a new connection costs this thread ≈0.5 ms here, and a wave of
  // 100 started in one go would leave every answer unread (its ack untimed) for the 50 ms or so
  // the whole wave takes to start.
  const queue: ToSender[] = [];
  const sendNext = () => {
    const next = queue.shift();
    if (!next) return;
    if (queue.length > 0) setImmediate(sendNext);
    post(next).then(
      (result) => parentPort!.postMessage({ id: next.id, timeOrigin: perf.timeOrigin, result } satisfies FromSender),
      (err: Error) => parentPort!.postMessage({ id: next.id, error: err.message } satisfies FromSender),
    );
  };
  parentPort!.on('message', (m: ToSender) => {
    if (queue.push(m) === 1) setImmediate(sendNext);
  });
}

/** The claims of a JWT (unverified: the hub signed it; only its shape and subject are checked). */
export function jwtClaims(token: string): Record<string, any> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
