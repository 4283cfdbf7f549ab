import type { App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { AccessService } from '../../domain/access-service';
import type { Approvals } from '../../domain/approvals';
import type { Reply } from '../../domain/ports';
import { MAX_REASON, visibleText } from '../../domain/command';
import { cleanText } from '../text/markup';
import { FIELD, VIEW } from '../messages/ids';
import { EN, type PeopleWords } from '../text/words';

type ViewValues = Record<string, Record<string, { value?: string | null }>>;

function reasonOf(values: ViewValues): string {
  return visibleText(cleanText(values[FIELD.reason.block]?.[FIELD.reason.action]?.value ?? '')).slice(0, MAX_REASON);
}

function metadata(raw: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

export interface ViewDeps {
  service: AccessService;
  approvals: Approvals;
  replyInDm: (userId: string) => Reply;
  /** Each person's language (English without). */
  words?: PeopleWords;
}

/** What the callbacks read of Bolt's arguments (tests give fakes of these). */
export type SubmitArgs = Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, 'ack' | 'body' | 'view'>;

/** The reason and deny-reason modals. Answers go to the person's DM (modals have no response URL). */
export function register(app: App, deps: ViewDeps): void {
  app.view(VIEW.reason, reasonSubmitted(deps));
  app.view(VIEW.denyReason, denyReasonSubmitted(deps));
}

/** The reason for a request that needs one: the request is opened. */
export function reasonSubmitted(deps: ViewDeps) {
  return async ({ ack, body, view }: SubmitArgs): Promise<void> => {
    const reason = reasonOf(view.state.values as ViewValues);
    if (!reason) {
      // The form waits for this answer: the language known now, without asking Slack.
      const w = deps.words?.known(body.user.id) ?? EN;
      await ack({ response_action: 'errors', errors: { [FIELD.reason.block]: w.cards.reasonForm.empty } });
      return;
    }
    await ack();
    const userId = body.user.id;
    const { role, seconds } = metadata(view.private_metadata);
    const reply = deps.replyInDm(userId);
    if (typeof role !== 'string') return void (await reply({ kind: 'form-expired' }));
    await deps.service.guarded(userId, 'approval request', async () => {
      // Role and duration are asked again of the policy: the form is only what was typed.
      await deps.approvals.request(userId, { role, ...(typeof seconds === 'number' && { seconds }), reason }, reply);
    }, reply);
  };
}

/** An approver's reason for denying: the request is denied and the requester told why. */
export function denyReasonSubmitted(deps: ViewDeps) {
  return async ({ ack, body, view }: SubmitArgs): Promise<void> => {
    const reason = reasonOf(view.state.values as ViewValues);
    if (!reason) {
      const w = deps.words?.known(body.user.id) ?? EN;
      await ack({ response_action: 'errors', errors: { [FIELD.reason.block]: w.cards.denyForm.empty } });
      return;
    }
    await ack();
    const userId = body.user.id;
    const reply = deps.replyInDm(userId);
    await deps.service.guarded(userId, 'deny', async () => {
      await deps.approvals.deny(String(metadata(view.private_metadata).requestId ?? ''), userId, reason, reply);
    }, reply);
  };
}
