import type { AllMiddlewareArgs, App, BlockButtonAction, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { AccessService } from '../../domain/access-service';
import type { Approvals } from '../../domain/approvals';
import type { Reply } from '../../domain/ports';
import type { ButtonArgs } from '../actions/grant-buttons';
import { continueWithApproval } from '../approval-prompt';
import { ACTION } from '../messages/ids';
import type { PeopleWords } from '../text/words';
import type { HomeTabs } from './home-tabs';

export interface AppHomeDeps {
  homes: Pick<HomeTabs, 'open'>;
  service: AccessService;
  approvals: Approvals;
  client: WebClient;
  replyInDm: (userId: string) => Reply;
  /** Each person's language (English without). */
  words?: PeopleWords;
  onError: (err: unknown, userId: string) => void;
}

/** What the callback reads of Bolt's arguments (tests give fakes of these). */
export type HomeOpenedArgs = Pick<SlackEventMiddlewareArgs<'app_home_opened'>, 'event'>;

/**
 * The Home tab: published when opened. Its grant and request buttons are the cards' own (same
 * action ids, same listeners); the role buttons ask as `/karpor-token <role>` would.
 */
export function register(app: App, deps: AppHomeDeps): void {
  app.event('app_home_opened', homeOpened(deps) as (args: HomeOpenedArgs & AllMiddlewareArgs) => Promise<void>);
  app.action<BlockButtonAction>(ACTION.homeRequest, roleClick(deps));
}

export function homeOpened(deps: AppHomeDeps) {
  return async ({ event }: HomeOpenedArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    await deps.homes.open(event.user).catch((err) => deps.onError(err, event.user));
  };
}

/** A role button: the role at its default duration, through the whole policy; the reason form when it needs one. */
export function roleClick(deps: AppHomeDeps) {
  return async ({ ack, body, action }: ButtonArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    // The Home tab has no response URL: answers go to the person's DM.
    const reply = deps.replyInDm(userId);
    // The value is only a name: never read as a command, and the policy decides on it.
    const outcome = await deps.service.requestRole(userId, action.value ?? '', reply);
    await continueWithApproval(outcome, { userId, triggerId: body.trigger_id, reply, ...deps });
  };
}
