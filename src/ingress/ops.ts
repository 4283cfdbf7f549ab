import { createServer, type Server } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';
import type { CustomRoute } from '@slack/bolt';
import { serveRoutes } from '../health';

/**
 * A server of its own for the health and metrics routes: in Socket Mode (Bolt's receiver has no
 * port of ours), and in HTTP mode when they are kept off the public port (OPS_PORT).
 */
export class OpsServer {
  private server?: Server;

  constructor(private readonly listen: ListenOptions, private readonly routes: CustomRoute[]) {}

  async start(): Promise<number> {
    const server = createServer({ headersTimeout: 10_000, requestTimeout: 20_000 }, serveRoutes(this.routes));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listen, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
