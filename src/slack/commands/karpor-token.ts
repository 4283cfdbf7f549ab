import type { App, RespondFn } from '@slack/bolt';
import type { AccessService } from '../../domain/access-service';
import type { Approvals } from '../../domain/approvals';
import { continueWithApproval } from '../approval-prompt';
import { ephemeralReply } from '../reply';

export const COMMAND = '/karpor-token';

/**
 * `/karpor-token …`: acknowledged before anything else happens (Slack gives 3 s, and the hub or
 * Slack may be slow); every answer then goes through `respond()`, visible only to the person.
 */
export function register(app: App, deps: { service: AccessService; approvals: Approvals }): void {
  app.command(COMMAND, async ({ command, ack, respond, client }) => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn);
    const outcome = await deps.service.command(command.user_id, command.text, reply);
    await continueWithApproval(outcome, { userId: command.user_id, triggerId: command.trigger_id, client, reply, ...deps });
  });
}
