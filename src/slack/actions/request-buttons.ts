import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AccessService } from '../../domain/access-service';
import type { Approvals } from '../../domain/approvals';
import type { Reply } from '../../domain/ports';
import { denyModal } from '../messages/approval';
import { ACTION } from '../messages/ids';
import { ephemeralReply } from '../reply';

/**
 * Approve, Deny and Cancel. The request id in a button is only a pointer: the request is read
 * from the hub and every rule is checked again at the click.
 */
export function register(app: App, deps: { service: AccessService; approvals: Approvals; client: WebClient; replyInDm: (userId: string) => Reply }): void {
  app.action<BlockButtonAction>(ACTION.approve, async ({ ack, body, action, respond }) => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id));
    await deps.service.guarded(body.user.id, 'approve', async () => {
      await deps.approvals.approve(action.value ?? '', body.user.id, reply);
    }, reply);
  });

  app.action<BlockButtonAction>(ACTION.deny, async ({ ack, body, action, respond }) => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id));
    await deps.service.guarded(body.user.id, 'deny', async () => {
      await deps.client.views.open({ trigger_id: body.trigger_id, view: denyModal(action.value ?? '') });
    }, reply);
  });

  app.action<BlockButtonAction>(ACTION.cancel, async ({ ack, body, action, respond }) => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id));
    await deps.service.guarded(body.user.id, 'cancel', async () => {
      await deps.approvals.cancel(action.value ?? '', body.user.id, reply);
    }, reply);
  });
}
