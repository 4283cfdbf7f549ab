import type { Server, ServerOptions } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';
import type { CustomRoute, HTTPReceiver, Logger } from '@slack/bolt';
import { createReceiver } from '../slack/receiver';
import type { Ingress } from './ingress';

/**
 * How long an idle keep-alive connection stays open: longer than the idle timeout of the proxies
 * that put the bot on the internet (60 s for ingress-nginx and AWS load balancers), so that they
 * close it first. A proxy that sends a command on a connection the bot is just closing gets an
 * error, and Slack shows the person a failure (Node's default is 5 s).
 */
export const IDLE_CONNECTION_MS = 65_000;

/** A slow client gets seconds, not Node's minutes, to send its request: nobody holds the bot's buffers open. */
const SERVER_OPTIONS: ServerOptions = {
  keepAliveTimeout: IDLE_CONNECTION_MS,
  headersTimeout: 10_000,
  requestTimeout: 20_000,
  connectionsCheckingInterval: 2_000,
};
const MAX_CONNECTIONS = 1_000;

/** HTTP mode: Slack posts commands, clicks and forms to Bolt's receiver on the bot's public port (with `routes`, when they are not on a port of their own). */
export class HttpIngress implements Ingress {
  readonly receiver: HTTPReceiver;
  readonly connected = true;
  private readonly listen: ListenOptions;

  constructor(opts: { listen: ListenOptions; signingSecret: string; routes: CustomRoute[]; logger: Logger }) {
    this.listen = opts.listen;
    this.receiver = createReceiver({ signingSecret: opts.signingSecret, routes: opts.routes, logger: opts.logger });
  }

  async start(): Promise<number> {
    const server = (await this.receiver.start(this.listen, SERVER_OPTIONS)) as Server;
    server.maxConnections = MAX_CONNECTIONS;
    return (server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return this.receiver.stop();
  }
}
