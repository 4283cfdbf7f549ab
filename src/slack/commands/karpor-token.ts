import type { App, RespondFn } from '@slack/bolt';
import type { AccessService } from '../../domain/access-service';
import type { Approvals } from '../../domain/approvals';
import { reasonModal } from '../messages/approval';
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
    if (outcome.kind !== 'approval') return;
    const { role, seconds, reason } = outcome;
    await deps.service.guarded(command.user_id, 'approval request', async () => {
      if (outcome.needsReason) await client.views.open({ trigger_id: command.trigger_id, view: reasonModal(role.alias, seconds) });
      else await deps.approvals.request(command.user_id, { role: role.alias, seconds, ...(reason && { reason }) }, reply);
    }, reply);
  });
}
