import type { KnownBlock, View } from '@slack/types';
import type { AccessRequest } from '../../domain/request';
import { quoted } from '../text/markup';
import { EN, type Words } from '../text/words';
import { ACTION, FIELD, VIEW } from './ids';
import type { SlackMessage } from './token';

function summary(req: AccessRequest, w: Words): string {
  const reason = req.reason ? quoted(req.reason) : '';
  const allows = w.roleAllows(req.allows).map((l) => `\n${l}`).join('');
  return `${w.cards.approval.asks(req)}${reason}${allows}`;
}

/** The approvers' card: who asks for what and why, and the buttons while it is open. */
export function approvalCard(req: AccessRequest, now: Date, w: Words = EN): SlackMessage {
  const words = w.cards.approval;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `:closed_lock_with_key: ${summary(req, w)}` } }];
  if (req.state === 'pending' && now < req.expiresAt) {
    blocks.push(
      { type: 'context', elements: [{ type: 'mrkdwn', text: words.open(req) }] },
      {
        type: 'actions',
        block_id: `request_${req.id}`,
        elements: [
          { type: 'button', action_id: ACTION.approve, style: 'primary', text: { type: 'plain_text', text: words.approve }, value: req.id },
          { type: 'button', action_id: ACTION.deny, style: 'danger', text: { type: 'plain_text', text: words.deny }, value: req.id },
        ],
      },
    );
  } else {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: words.decided(req) }] });
  }
  return { text: words.preview(req), blocks };
}

/** What the requester sees right after asking: pending, with a way to withdraw. */
export function pendingMessage(req: AccessRequest, w: Words = EN): SlackMessage {
  const text = w.say({ kind: 'request-pending', request: req });
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:hourglass_flowing_sand: ${text}` } },
      { type: 'actions', elements: [{ type: 'button', action_id: ACTION.cancel, text: { type: 'plain_text', text: w.cards.approval.cancel }, value: req.id }] },
    ],
  };
}

/** Asks the requester why; the role and duration travel in private_metadata and are re-checked. */
export function reasonModal(role: string, seconds: number, w: Words = EN): View {
  const words = w.cards.reasonForm;
  return {
    type: 'modal',
    callback_id: VIEW.reason,
    private_metadata: JSON.stringify({ role, seconds }),
    title: { type: 'plain_text', text: words.title },
    submit: { type: 'plain_text', text: words.submit },
    close: { type: 'plain_text', text: words.close },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: words.needsApproval(role, seconds) } },
      {
        type: 'input',
        block_id: FIELD.reason.block,
        label: { type: 'plain_text', text: words.label },
        element: { type: 'plain_text_input', action_id: FIELD.reason.action, multiline: true, max_length: 500 },
      },
    ],
  };
}

export function denyModal(requestId: string, w: Words = EN): View {
  const words = w.cards.denyForm;
  return {
    type: 'modal',
    callback_id: VIEW.denyReason,
    private_metadata: JSON.stringify({ requestId }),
    title: { type: 'plain_text', text: words.title },
    submit: { type: 'plain_text', text: words.submit },
    close: { type: 'plain_text', text: words.close },
    blocks: [
      {
        type: 'input',
        block_id: FIELD.reason.block,
        label: { type: 'plain_text', text: words.label },
        element: { type: 'plain_text_input', action_id: FIELD.reason.action, multiline: true, max_length: 500 },
      },
    ],
  };
}
