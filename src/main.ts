import 'dotenv/config';
import { compose } from './compose';
import { ConfigError, loadSettings } from './config/env';
import { loadPolicy } from './config/policy-file';
import { createLog, scrub } from './log';

async function main(): Promise<void> {
  let settings;
  let policy;
  try {
    settings = loadSettings(process.env);
    policy = loadPolicy(settings.policyFile);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`karpor-token-bot cannot start.\n${err.message}\nSee .env.example and the configuration reference in README.md.\n`);
    process.exit(2);
  }
  const log = createLog(settings.logLevel);
  const bot = compose(settings, policy, log);
  const port = await bot.start();
  log.info({ port, mode: settings.slack.mode, namespace: settings.hub.namespace, roles: policy.roles.map((r) => r.alias) }, 'karpor-token-bot started');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    bot.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  // A promise nobody awaited failed (e.g. a Socket Mode reconnect that gave up): say so once
  // and exit, so that the orchestrator restarts a clean process instead of a half-working one.
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(scrub(`karpor-token-bot failed to start: ${err instanceof Error ? err.message : String(err)}\n`));
  process.exit(1);
});
