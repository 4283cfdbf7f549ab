import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import { denyModal } from '../messages/approval';
import { ACTION } from '../messages/ids';
import { ephemeralReply } from '../reply';
import type { ButtonArgs, GrantButtonDeps as RequestButtonDeps } from './grant-buttons';

/**
 * Approve, Deny and Cancel. The request id in a button is only a pointer: the request is read
 * from the hub and every rule is checked again at the click.
 */
export function register(app: App, deps: RequestButtonDeps): void {
  app.action<BlockButtonAction>(ACTION.approve, approveClick(deps));
  app.action<BlockButtonAction>(ACTION.deny, denyClick(deps));
  app.action<BlockButtonAction>(ACTION.cancel, cancelClick(deps));
}

export function approveClick(deps: RequestButtonDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id));
    await deps.service.guarded(body.user.id, 'approve', () => deps.approvals.approve(action.value ?? '', body.user.id, reply), reply);
  };
}

/** Deny asks for the reason first, in a modal (see request-views.ts). */
export function denyClick(deps: RequestButtonDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id));
    await deps.service.guarded(body.user.id, 'deny', async () => {
      await deps.client.views.open({ trigger_id: body.trigger_id, view: denyModal(action.value ?? '') });
    }, reply);
  };
}

export function cancelClick(deps: RequestButtonDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id));
    await deps.service.guarded(body.user.id, 'cancel', () => deps.approvals.cancel(action.value ?? '', body.user.id, reply), reply);
  };
}
