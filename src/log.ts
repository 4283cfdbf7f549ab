import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';

/**
 * Anything shaped like a credential, wherever it appears in a line: ServiceAccount tokens are
 * JWTs; Slack tokens start with xox?- or xapp-. Library debug output (the WebClient logs message
 * bodies) passes through the same filter, so no logger can leak a token.
 */
const SECRET_SHAPES = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+|xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+/g;

export function scrub(line: string): string {
  return line.replace(SECRET_SHAPES, '[REDACTED]');
}

export type Log = Pino;

export function createLog(level: string, destination?: DestinationStream): Log {
  return pino(
    {
      level,
      base: { app: 'karpor-token-bot' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: scrub },
      redact: { paths: ['token', '*.token', 'headers.authorization', '*.headers.authorization'], censor: '[REDACTED]' },
    },
    destination,
  );
}

/** Audit events are ordinary log lines marked `audit: true`, so they can be routed apart. */
export function auditTo(log: Log) {
  return (event: Record<string, unknown> & { event: string }) => log.info({ audit: true, ...event }, event.event);
}

const LEVELS: Record<LogLevel, string> = { [LogLevel.DEBUG]: 'debug', [LogLevel.INFO]: 'info', [LogLevel.WARN]: 'warn', [LogLevel.ERROR]: 'error' };

/** Bolt's and the WebClient's logger, writing through pino (and so through the scrubber). */
export function slackLogger(log: Log): SlackLogger {
  let child = log.child({ component: 'slack' });
  const write = (level: 'debug' | 'info' | 'warn' | 'error') => (...msg: unknown[]) =>
    child[level](msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? `${m.name}: ${m.message}` : safeJson(m))).join(' '));
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: () => undefined,
    getLevel: () => (Object.entries(LEVELS).find(([, v]) => v === log.level)?.[0] as LogLevel | undefined) ?? LogLevel.INFO,
    setName: (name: string) => {
      child = log.child({ component: name });
    },
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
