import type { KnownBlock, View } from '@slack/types';
import { formatDuration } from '../../domain/duration';
import type { AccessRequest } from '../../domain/request';
import { quoted, slackDate, typed } from '../text/markup';
import { roleAllowsLines } from '../text/role-rules';
import { ACTION, FIELD, VIEW } from './ids';
import { outcome, say } from '../text/answers';
import type { SlackMessage } from './token';

function summary(req: AccessRequest): string {
  const reason = req.reason ? quoted(req.reason) : '';
  const allows = roleAllowsLines(req.allows).map((l) => `\n${l}`).join('');
  return `<@${req.requester}> asks for *${req.role}* for *${formatDuration(req.seconds)}*.${reason}${allows}`;
}

/** The approvers' card: who asks for what and why, and the buttons while it is open. */
export function approvalCard(req: AccessRequest, now: Date): SlackMessage {
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `:closed_lock_with_key: ${summary(req)}` } }];
  if (req.state === 'pending' && now < req.expiresAt) {
    const count = req.approvals.length ? ` Approved so far by ${req.approvals.map((a) => `<@${a.userId}>`).join(', ')}.` : '';
    blocks.push(
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Request \`${req.id}\`, open until ${slackDate(req.expiresAt)}.${count}` }] },
      {
        type: 'actions',
        block_id: `request_${req.id}`,
        elements: [
          { type: 'button', action_id: ACTION.approve, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: req.id },
          { type: 'button', action_id: ACTION.deny, style: 'danger', text: { type: 'plain_text', text: 'Deny' }, value: req.id },
        ],
      },
    );
  } else {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Request \`${req.id}\`: ${decided(req)}` }] });
  }
  return { text: `Karpor access request ${req.id}: ${req.role} for ${formatDuration(req.seconds)} (${req.state})`, blocks };
}

function decided(req: AccessRequest): string {
  switch (req.state) {
    case 'delivered':
      return `*Approved* by <@${req.decidedBy}> (${slackDate(req.decidedAt!)}); the token expires ${slackDate(req.tokenExpiresAt!)}.`;
    case 'denied':
      return `*Denied* by <@${req.decidedBy}> (${slackDate(req.decidedAt!)}): ${typed(req.denyReason ?? '')}`;
    case 'failed':
      return `*Approved* by <@${req.decidedBy}>, but the token could not be issued.`;
    default:
      return `*${outcome(req)}*.`;
  }
}

/** What the requester sees right after asking: pending, with a way to withdraw. */
export function pendingMessage(req: AccessRequest): SlackMessage {
  const text = say({ kind: 'request-pending', request: req });
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:hourglass_flowing_sand: ${text}` } },
      { type: 'actions', elements: [{ type: 'button', action_id: ACTION.cancel, text: { type: 'plain_text', text: 'Cancel request' }, value: req.id }] },
    ],
  };
}

/** Asks the requester why; the role and duration travel in private_metadata and are re-checked. */
export function reasonModal(role: string, seconds: number): View {
  return {
    type: 'modal',
    callback_id: VIEW.reason,
    private_metadata: JSON.stringify({ role, seconds }),
    title: { type: 'plain_text', text: 'Karpor access' },
    submit: { type: 'plain_text', text: 'Ask for approval' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${role}* for *${formatDuration(seconds)}* needs approval.` } },
      {
        type: 'input',
        block_id: FIELD.reason.block,
        label: { type: 'plain_text', text: 'Why do you need it?' },
        element: { type: 'plain_text_input', action_id: FIELD.reason.action, multiline: true, max_length: 500 },
      },
    ],
  };
}

export function denyModal(requestId: string): View {
  return {
    type: 'modal',
    callback_id: VIEW.denyReason,
    private_metadata: JSON.stringify({ requestId }),
    title: { type: 'plain_text', text: 'Deny request' },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      {
        type: 'input',
        block_id: FIELD.reason.block,
        label: { type: 'plain_text', text: 'Reason (sent to the requester)' },
        element: { type: 'plain_text_input', action_id: FIELD.reason.action, multiline: true, max_length: 500 },
      },
    ],
  };
}
