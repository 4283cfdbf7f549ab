import type { App, RespondFn, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AccessService, CommandOutcome } from '../../domain/access-service';
import type { Approvals } from '../../domain/approvals';
import type { Reply } from '../../domain/ports';
import type { PeopleWords } from '../text/words';
import { continueWithApproval } from '../approval-prompt';
import { ephemeralReply } from '../reply';
import type { WorkQueue } from '../work-queue';

export const COMMAND = '/karpor-token';

export interface CommandDeps {
  service: AccessService;
  approvals: Approvals;
  client: WebClient;
  replyInDm: (userId: string) => Reply;
  /** Each person's language (English without). */
  words?: PeopleWords;
  /** Told how each command ended and, for an issued token, how long it took to reach the DM. */
  observe?: (result: string, seconds: number) => void;
  /** Bounds the commands worked on at once (after their ack). */
  queue: WorkQueue;
}

/**
 * `/karpor-token …`: acknowledged before anything else happens (Slack gives 3 s, and the hub or
 * Slack may be slow); every answer then goes through `respond()`, visible only to the person.
 */
export function register(app: App, deps: CommandDeps): void {
  app.command(COMMAND, karporTokenCommand(deps));
}

/** What the callback reads of Bolt's arguments (tests give fakes of these). */
export type CommandArgs = Pick<SlackCommandMiddlewareArgs, 'command' | 'ack' | 'respond'>;

export function karporTokenCommand(deps: CommandDeps) {
  return async ({ command, ack, respond }: CommandArgs): Promise<void> => {
    const started = process.hrtime.bigint();
    await ack();
    await deps.queue.run(async () => {
      const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(command.user_id), deps.words?.of(command.user_id));
      const outcome = await deps.service.command(command.user_id, command.text, reply);
      deps.observe?.(resultOf(outcome), Number(process.hrtime.bigint() - started) / 1e9);
      await continueWithApproval(outcome, { userId: command.user_id, triggerId: command.trigger_id, reply, ...deps });
    });
  };
}

function resultOf(outcome: CommandOutcome): string {
  return outcome.kind === 'done' ? outcome.result : 'approval';
}
