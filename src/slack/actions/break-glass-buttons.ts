import type { App, BlockButtonAction, RespondFn } from '@slack/bolt';
import { confirmedBreakGlassCard } from '../messages/break-glass';
import { ACTION } from '../messages/ids';
import { ephemeralReply } from '../reply';
import type { AccessService } from '../../domain/access-service';
import type { BreakGlassService } from '../../domain/break-glass-service';
import type { Reply } from '../../domain/ports';
import type { PeopleWords } from '../text/words';
import type { ButtonArgs } from './grant-buttons';

export interface BreakGlassButtonDeps {
  service: AccessService;
  breakGlass: Pick<BreakGlassService, 'confirm'>;
  replyInDm: (userId: string) => Reply;
  /** Each person's language, and the shared one of the cards (English without). */
  words?: PeopleWords;
}

/** "Confirm" on a break-glass card. The grant id is only a pointer: every rule is checked at the click. */
export function register(app: App, deps: BreakGlassButtonDeps): void {
  app.action<BlockButtonAction>(ACTION.confirmBreakGlass, confirmClick(deps));
}

export function confirmClick(deps: BreakGlassButtonDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const reply = ephemeralReply(respond as RespondFn, deps.replyInDm(body.user.id), deps.words?.of(body.user.id));
    const answer = await deps.service.guarded(body.user.id, 'confirm break-glass', () => deps.breakGlass.confirm(body.user.id, action.value ?? ''), reply);
    if (!answer) return;
    await reply(answer);
    // The card that was clicked loses its button; cards are in the shared language.
    if (answer.kind === 'break-glass-confirmed' && respond) {
      await respond({ replace_original: true, ...confirmedBreakGlassCard(answer.grant, body.user.id, deps.words?.shared) }).catch(() => undefined);
    }
  };
}
