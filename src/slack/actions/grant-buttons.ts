import type { App, BlockButtonAction, RespondFn, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AccessService } from '../../domain/access-service';
import type { Approvals } from '../../domain/approvals';
import type { Reply } from '../../domain/ports';
import { continueWithApproval } from '../approval-prompt';
import { ACTION } from '../messages/ids';
import { revokedGrantCard } from '../messages/token';
import { ephemeralReply } from '../reply';
import type { PeopleWords } from '../text/words';

export interface GrantButtonDeps {
  service: AccessService;
  approvals: Approvals;
  client: WebClient;
  replyInDm: (userId: string) => Reply;
  /** Each person's language (English without). */
  words?: PeopleWords;
}

/** What the callbacks read of Bolt's arguments (tests give fakes of these). */
export type ButtonArgs = Pick<SlackActionMiddlewareArgs<BlockButtonAction>, 'ack' | 'body' | 'action' | 'respond'>;

/**
 * "Show token again" and "Revoke now" on a grant card, "Extend" on an expiry reminder. The grant id in the button is only a
 * pointer: ownership and the person's current roles are checked on the hub at the click.
 */
export function register(app: App, deps: GrantButtonDeps): void {
  app.action<BlockButtonAction>(ACTION.showAgain, showAgainClick(deps));
  app.action<BlockButtonAction>(ACTION.revokeGrant, revokeClick(deps));
  app.action<BlockButtonAction>(ACTION.extend, extendClick(deps));
}

export function showAgainClick(deps: GrantButtonDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id), deps.words?.of(body.user.id));
    const answer = await deps.service.guarded(body.user.id, 'show again', () => deps.service.showAgain(body.user.id, action.value ?? ''), reply);
    if (answer) await reply(answer);
  };
}

export function revokeClick(deps: GrantButtonDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id), deps.words?.of(body.user.id));
    const answer = await deps.service.guarded(body.user.id, 'revoke', () => deps.service.revokeGrant(body.user.id, action.value ?? ''), reply);
    if (!answer) return;
    await reply(answer.message);
    // The card of a revoked grant loses its buttons (a click on the Home tab has no card to redraw).
    if (answer.revoked && answer.revoked.userId === body.user.id && respond) {
      await respond({ replace_original: true, ...revokedGrantCard(answer.revoked, await deps.words?.of(body.user.id)) }).catch(() => undefined);
    }
  };
}

export function extendClick(deps: GrantButtonDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id), deps.words?.of(body.user.id));
    const outcome = await deps.service.guarded(body.user.id, 'extend', () => deps.service.extend(body.user.id, action.value ?? '', reply), reply);
    if (outcome) await continueWithApproval(outcome, { userId: body.user.id, triggerId: body.trigger_id, reply, ...deps });
  };
}
