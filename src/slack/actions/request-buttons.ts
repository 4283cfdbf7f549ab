import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import type { Reply } from '../../domain/ports';
import { denyModal } from '../messages/approval';
import { ACTION } from '../messages/ids';
import { ephemeralReply } from '../reply';
import { ClickLimit } from './click-limit';
import type { ButtonArgs, GrantButtonDeps as RequestButtonDeps } from './grant-buttons';

/**
 * Approve, Deny and Cancel. The request id in a button is only a pointer: the request is read
 * from the hub and every rule is checked again at the click. Each person's clicks on them share
 * one limit.
 */
export function register(app: App, deps: RequestButtonDeps): void {
  const limit = new ClickLimit();
  app.action<BlockButtonAction>(ACTION.approve, approveClick(deps, limit));
  app.action<BlockButtonAction>(ACTION.deny, denyClick(deps, limit));
  app.action<BlockButtonAction>(ACTION.cancel, cancelClick(deps, limit));
}

/** Whether the click may go ahead; if not, the person is told how long to wait. */
async function allowed(limit: ClickLimit, userId: string, reply: Reply): Promise<boolean> {
  const waitSeconds = limit.take(userId);
  if (waitSeconds !== undefined) await reply({ kind: 'clicking-too-fast', waitSeconds });
  return waitSeconds === undefined;
}

export function approveClick(deps: RequestButtonDeps, limit = new ClickLimit()) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id), deps.words?.of(body.user.id));
    if (!(await allowed(limit, body.user.id, reply))) return;
    await deps.service.guarded(body.user.id, 'approve', () => deps.approvals.approve(action.value ?? '', body.user.id, reply), reply);
  };
}

/** Deny asks for the reason first, in a modal (see request-views.ts). */
export function denyClick(deps: RequestButtonDeps, limit = new ClickLimit()) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id), deps.words?.of(body.user.id));
    if (!(await allowed(limit, body.user.id, reply))) return;
    await deps.service.guarded(body.user.id, 'deny', async () => {
      await deps.client.views.open({ trigger_id: body.trigger_id, view: denyModal(action.value ?? '', await deps.words?.of(body.user.id)) });
    }, reply);
  };
}

export function cancelClick(deps: RequestButtonDeps, limit = new ClickLimit()) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id), deps.words?.of(body.user.id));
    if (!(await allowed(limit, body.user.id, reply))) return;
    await deps.service.guarded(body.user.id, 'cancel', () => deps.approvals.cancel(action.value ?? '', body.user.id, reply), reply);
  };
}
