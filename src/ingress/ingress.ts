import type { CustomRoute, Logger, Receiver } from '@slack/bolt';
import type { Settings } from '../config/env';
import type { SlackTransport } from '../slack/transport';
import { HttpIngress } from './http';
import { OpsServer } from './ops';
import { SocketModeIngress } from './socket-mode';

/** How Slack's requests reach the bot, and the port its health and metrics routes are on. */
export interface Ingress {
  /** What Bolt's App receives Slack's requests from. */
  readonly receiver: Receiver;
  /** Whether Slack can reach the bot right now. */
  readonly connected: boolean;
  /** Starts taking requests (the App must be initialised); resolves to the HTTP port. */
  start(): Promise<number>;
  /** Closes the port (and, in Socket Mode, the connection to Slack). */
  stop(): Promise<void>;
}

/**
 * In HTTP mode the routes share the public port unless `settings.ops` puts them on their own
 * (`opsRoutes` are then served elsewhere); in Socket Mode the routes are all the port serves.
 */
export function createIngress(settings: Settings, routes: CustomRoute[], logger: Logger, transport: SlackTransport): Ingress {
  const { slack, port, host, ops } = settings;
  const listen = { port, ...(host && { host }) };
  if (slack.mode === 'socket') {
    const opsListen = ops ? { port: ops.port, ...((ops.host ?? host) && { host: ops.host ?? host }) } : listen;
    return new SocketModeIngress({ listen: opsListen, appToken: slack.appToken!, routes, logger, transport, ...(slack.apiUrl && { apiUrl: slack.apiUrl }) });
  }
  return new HttpIngress({ listen, signingSecret: slack.signingSecret!, routes: ops ? [] : routes, logger });
}

/** The server of the routes, when they are on a port of their own in HTTP mode. */
export function separateOpsServer(settings: Settings, routes: CustomRoute[]): OpsServer | undefined {
  const { slack, host, ops } = settings;
  if (slack.mode === 'socket' || !ops) return undefined;
  const opsHost = ops.host ?? host;
  return new OpsServer({ port: ops.port, ...(opsHost && { host: opsHost }) }, routes);
}
