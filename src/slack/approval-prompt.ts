import type { WebClient } from '@slack/web-api';
import type { AccessService, CommandOutcome } from '../domain/access-service';
import type { Approvals } from '../domain/approvals';
import type { Reply } from '../domain/ports';
import { reasonModal } from './messages/approval';
import type { PeopleWords } from './text/words';

/**
 * After a command or an "Extend" click that needs approval: ask for the reason in a modal when
 * none was given, otherwise open the request.
 */
export async function continueWithApproval(
  outcome: CommandOutcome,
  ctx: { userId: string; triggerId: string; client: WebClient; reply: Reply; service: AccessService; approvals: Approvals; words?: PeopleWords },
): Promise<void> {
  if (outcome.kind !== 'approval') return;
  const { role, seconds, reason } = outcome;
  await ctx.service.guarded(ctx.userId, 'approval request', async () => {
    if (outcome.needsReason) await ctx.client.views.open({ trigger_id: ctx.triggerId, view: reasonModal(role.alias, seconds, await ctx.words?.of(ctx.userId)) });
    else await ctx.approvals.request(ctx.userId, { role: role.alias, seconds, ...(reason && { reason }) }, ctx.reply);
  }, ctx.reply);
}
