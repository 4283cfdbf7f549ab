import type { CustomRoute, Logger, Receiver } from '@slack/bolt';
import type { Settings } from '../config/env';
import type { SlackTransport } from '../slack/transport';
import { HttpIngress } from './http';
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

export function createIngress(settings: Settings, routes: CustomRoute[], logger: Logger, transport: SlackTransport): Ingress {
  const { slack, port, host } = settings;
  const listen = { port, ...(host && { host }) };
  return slack.mode === 'socket'
    ? new SocketModeIngress({ listen, appToken: slack.appToken!, routes, logger, transport, ...(slack.apiUrl && { apiUrl: slack.apiUrl }) })
    : new HttpIngress({ listen, signingSecret: slack.signingSecret!, routes, logger });
}
