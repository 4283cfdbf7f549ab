import type { ListenOptions } from 'node:net';
import { SocketModeReceiver, type CustomRoute, type Logger } from '@slack/bolt';
import type { SlackTransport } from '../slack/transport';
import type { Ingress } from './ingress';
import { OpsServer } from './ops';

/**
 * Socket Mode: Slack's requests come over a WebSocket the bot opens; the health and metrics
 * routes are on a server of the bot's own (Bolt's receiver would listen on a port it keeps to
 * itself).
 */
export class SocketModeIngress implements Ingress {
  readonly receiver: SocketModeReceiver;
  private up = false;
  private readonly ops: OpsServer;

  constructor(opts: { listen: ListenOptions; appToken: string; apiUrl?: string; routes: CustomRoute[]; logger: Logger; transport: SlackTransport }) {
    const clientOptions = { ...(opts.apiUrl && { slackApiUrl: opts.apiUrl }), fetch: opts.transport.fetch };
    this.receiver = new SocketModeReceiver({ appToken: opts.appToken, logger: opts.logger, installerOptions: { clientOptions }, dispatcher: opts.transport.dispatcher });
    const client = this.receiver.client;
    client.on('connected', () => void (this.up = true));
    for (const state of ['disconnected', 'reconnecting']) client.on(state, () => void (this.up = false));
    this.ops = new OpsServer(opts.listen, opts.routes);
  }

  get connected(): boolean {
    return this.up;
  }

  async start(): Promise<number> {
    await this.receiver.start();
    this.up = true;
    return this.ops.start();
  }

  async stop(): Promise<void> {
    // Bolt's stop() only starts closing the connection; wait until it is closed (the client bounds that).
    const closed = this.up && new Promise<void>((resolve) => void this.receiver.client.once('disconnected', () => resolve()));
    await this.receiver.stop();
    await closed;
    await this.ops.stop();
  }
}
