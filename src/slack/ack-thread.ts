import type { Worker } from 'node:worker_threads';
import type { ReceiverEvent } from '@slack/bolt';
import { BODY_LIMIT, EVENTS_PATH, MAX_CLOCK_SKEW_SECONDS } from './receiver';
import { workerFromSource } from '../worker-source';

/**
 * How long an idle keep-alive connection stays open: longer than the idle timeout of the proxies
 * that put the bot on the internet (60 s for ingress-nginx and AWS load balancers), so that they
 * close it first. A proxy that sends a command on a connection the bot is just closing gets an
 * error instead of an answer, and Slack shows the person a failure (Node's default is 5 s).
 */
export const IDLE_CONNECTION_MS = 65_000;

/** A slash command the ack thread has verified and already acknowledged. */
export type AckedCommand = Pick<ReceiverEvent, 'body' | 'retryNum' | 'retryReason'>;

interface ThreadConfig {
  port: number;
  host?: string;
  internalPort: number;
  signingSecret: string;
  eventsPath: string;
  bodyLimit: number;
  maxSkewSeconds: number;
  idleConnectionMs: number;
  /** Bolt's signature check, loaded by path: the thread's code cannot import. */
  verifyModule: string;
}

type FromThread =
  | { kind: 'listening'; port: number }
  | { kind: 'listen-failed'; message: string }
  | { kind: 'command'; command: AckedCommand }
  | { kind: 'warn'; message: string }
  | { kind: 'handed-over' }
  | { kind: 'closed' };

/**
 * Slack's requests, answered on a thread of their own. The thread owns the public port: a slash
 * command with a valid signature is acknowledged there at once and handed to the main thread;
 * every other request (clicks, forms, health, metrics, anything unsigned) is passed through to
 * Bolt's receiver on a loopback port, as before. So a command's ack never waits for the main
 * thread's event loop, which under a burst is busy with other commands' hub and Slack answers
 * (and which, like any Node event loop, accepts only one new connection per turn).
 */
export class AckThread {
  private stopping = false;

  private constructor(
    private readonly worker: Worker,
    /** The port the thread listens on (the one asked for, or the one given for 0). */
    readonly port: number,
    private readonly messages: Array<(m: FromThread) => void>,
  ) {}

  static start(opts: {
    port: number;
    host?: string;
    /** Where Bolt's receiver listens on loopback. */
    internalPort: number;
    signingSecret: string;
    onCommand: (command: AckedCommand) => void;
    /** A request refused (a body over the limit). */
    onWarning: (message: string) => void;
    /** The thread failed or ended while the bot was not stopping. */
    onFailure: (message: string) => void;
  }): Promise<AckThread> {
    const config: ThreadConfig = {
      port: opts.port,
      ...(opts.host && { host: opts.host }),
      internalPort: opts.internalPort,
      signingSecret: opts.signingSecret,
      eventsPath: EVENTS_PATH,
      bodyLimit: BODY_LIMIT,
      maxSkewSeconds: MAX_CLOCK_SKEW_SECONDS,
      idleConnectionMs: IDLE_CONNECTION_MS,
      verifyModule: require.resolve('@slack/bolt/dist/receivers/verify-request'),
    };
    const worker = workerFromSource(ackThreadMain, config);
    const listeners: Array<(m: FromThread) => void> = [];
    worker.on('message', (m: FromThread) => {
      if (m.kind === 'command') opts.onCommand(m.command);
      else if (m.kind === 'warn') opts.onWarning(m.message);
      for (const listener of listeners) listener(m);
    });
    return new Promise((resolve, reject) => {
      const failed = (err: Error) => reject(err);
      worker.once('error', failed);
      listeners.push((m) => {
        if (m.kind === 'listening') {
          worker.off('error', failed);
          const thread = new AckThread(worker, m.port, listeners);
          // Without it nothing answers Slack (nor the health probes, which then restart the pod).
          worker.on('error', (err) => opts.onFailure(`the ack thread failed: ${err.message}`));
          worker.on('exit', () => thread.stopping || opts.onFailure('the ack thread ended: nothing answers on the public port'));
          resolve(thread);
        } else if (m.kind === 'listen-failed') {
          void worker.terminate();
          reject(new Error(m.message));
        }
      });
    });
  }

  /**
   * From now on every request goes to Bolt's receiver, which takes no new work while stopping.
   * Resolves once the thread has switched: every command it acknowledged before has been handed over.
   */
  handOver(): Promise<void> {
    return this.ask('hand-over', 'handed-over');
  }

  /** Closes the public port (and its connections), then ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.ask('stop', 'closed');
    await this.worker.terminate();
  }

  /** Sends `kind` and waits (bounded) for the thread's `answer`. */
  private ask(kind: string, answer: FromThread['kind']): Promise<void> {
    const answered = new Promise<void>((resolve) => this.messages.push((m) => m.kind === answer && resolve()));
    this.worker.postMessage({ kind });
    return Promise.race([answered, new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]);
  }
}

/**
 * The thread's program. It runs from its source text inside the worker, so it uses nothing from
 * outside its own body but Node's modules and the config it is given.
 */
/* istanbul ignore next: instrumented source would not run in the worker */
function ackThreadMain(): void {
  const http = require('node:http') as typeof import('node:http');
  const querystring = require('node:querystring') as typeof import('node:querystring');
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const config = workerData as ThreadConfig;
  const { isValidSlackRequest } = require(config.verifyModule) as Pick<typeof import('@slack/bolt'), 'isValidSlackRequest'>;
  const main = parentPort!;
  const toBolt = new http.Agent({ keepAlive: true });
  let handedOver = false;

  /** The parsed command when the body is a slash command signed with the signing secret, in time. */
  const signedCommand = (headers: import('node:http').IncomingHttpHeaders, body: Buffer): Record<string, unknown> | undefined => {
    const timestamp = Number(headers['x-slack-request-timestamp']);
    const signature = headers['x-slack-signature'];
    // Bolt refuses a stale timestamp; one dated ahead is refused here as in the main receiver.
    if (typeof signature !== 'string' || !(timestamp <= Date.now() / 1000 + config.maxSkewSeconds)) return undefined;
    const signed = { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp };
    if (!isValidSlackRequest({ signingSecret: config.signingSecret, body: body.toString('utf8'), headers: signed })) return undefined;
    // Exactly the form Bolt's own parser accepts (it reads anything else, charset included, as JSON).
    if (headers['content-type'] !== 'application/x-www-form-urlencoded') return undefined;
    const form = querystring.parse(body.toString('utf8'));
    if (typeof form.command !== 'string' || !form.command.startsWith('/') || form.payload !== undefined) return undefined;
    return { ...form };
  };

  const passThrough = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body?: Buffer): void => {
    const upstream = http.request(
      { host: '127.0.0.1', port: config.internalPort, method: req.method, path: req.url, headers: req.headers, agent: toBolt },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    // The client gave up: so does the call behind it.
    res.on('close', () => res.writableFinished || upstream.destroy());
    if (body) upstream.end(body);
    else req.pipe(upstream);
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (handedOver || req.method !== 'POST' || path !== config.eventsPath) return passThrough(req, res);
    const chunks: Buffer[] = [];
    const readAtMost = 8 * config.bodyLimit;
    let size = 0;
    let over = false;
    const refuse = (close: boolean) => {
      main.postMessage({ kind: 'warn', message: `request body over ${config.bodyLimit} bytes refused` });
      res.writeHead(413, close ? { connection: 'close' } : {}).end();
    };
    // A body over the limit is still read (and dropped), and refused once it has all arrived:
    // refusing while the client is still sending would reset the connection under the answer.
    // Past a bound, the connection is closed on it.
    req.on('data', (chunk: Buffer) => {
      if (size > readAtMost) return;
      size += chunk.length;
      if (size <= config.bodyLimit) return void chunks.push(chunk);
      over = true;
      chunks.length = 0;
      if (size > readAtMost) {
        req.pause();
        refuse(true);
      }
    });
    req.on('end', () => {
      if (over) return refuse(false);
      const body = Buffer.concat(chunks);
      const command = signedCommand(req.headers, body);
      if (!command) return passThrough(req, res, body);
      res.writeHead(200).end();
      const retryNum = req.headers['x-slack-retry-num'];
      const retryReason = req.headers['x-slack-retry-reason'];
      main.postMessage({
        kind: 'command',
        command: { body: command, ...(retryNum !== undefined && { retryNum: Number(retryNum) }), ...(typeof retryReason === 'string' && { retryReason }) },
      });
    });
  });

  main.on('message', (m: { kind: string }) => {
    if (m.kind === 'hand-over') {
      handedOver = true;
      main.postMessage({ kind: 'handed-over' });
    }
    if (m.kind === 'stop') {
      server.close(() => main.postMessage({ kind: 'closed' }));
      server.closeAllConnections();
      toBolt.destroy();
    }
  });
  server.keepAliveTimeout = config.idleConnectionMs;
  const listenFailed = (err: Error) => main.postMessage({ kind: 'listen-failed', message: `cannot listen on port ${config.port}: ${err.message}` });
  server.once('error', listenFailed);
  server.listen({ port: config.port, ...(config.host && { host: config.host }) }, () => {
    server.off('error', listenFailed);
    const address = server.address();
    main.postMessage({ kind: 'listening', port: typeof address === 'object' && address ? address.port : config.port });
  });
}
