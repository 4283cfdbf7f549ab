import { formatDuration } from '../../domain/duration';
import type { Grant } from '../../domain/grant';
import type { RolePolicy } from '../../domain/policy';
import type { AccessRequest } from '../../domain/request';
import { quoted, slackDate } from './markup';

/** The words of the Home tab (Block Kit in src/slack/messages/app-home.ts). */
export const HOME = {
  title: 'Karpor tokens',
  intro: 'Time-limited tokens for the Karpor dashboard. This page follows your grants and requests as they change.',
  grantsHeading: 'Your grants',
  noGrants: 'You have no active grants.',
  requestsHeading: 'Your requests waiting for approval',
  waitingHeading: 'Requests waiting for you',
  nothingWaiting: 'No request waits for your approval.',
  askHeading: 'Ask for access',
  noRoles: 'You may not request any Karpor role; ask your Karpor administrators to add you to a group that may.',
  showAgain: 'Show token again',
  revoke: 'Revoke now',
  revokeConfirmTitle: 'Revoke this grant?',
  revokeConfirmText: 'Every token of this grant stops working at once.',
  revokeConfirm: 'Revoke',
  revokeKeep: 'Keep it',
  cancel: 'Cancel request',
  approve: 'Approve',
  deny: 'Deny',
  usage: 'Or type `/karpor-token help` anywhere.',
  updated: (now: Date) => `Updated ${slackDate(now)}.`,
  grant: (g: Grant) => {
    const approved = g.approvedBy?.length ? `, approved by ${g.approvedBy.map((u) => `<@${u}>`).join(', ')}` : '';
    return `:key: *${g.role}* until ${slackDate(g.expiresAt)}${approved}. Grant \`${g.id}\`.`;
  },
  request: (r: AccessRequest) => `:hourglass_flowing_sand: *${r.role}* for ${formatDuration(r.seconds)}, open until ${slackDate(r.expiresAt)}. Request \`${r.id}\`.`,
  waiting: (r: AccessRequest) => {
    const reason = r.reason ? quoted(r.reason) : '';
    return `:closed_lock_with_key: <@${r.requester}> asks for *${r.role}* for *${formatDuration(r.seconds)}*, open until ${slackDate(r.expiresAt)}.${reason}`;
  },
  roleButton: (r: RolePolicy) => `${r.alias} (${formatDuration(r.defaultSeconds)})`,
  roles: (roles: RolePolicy[]) =>
    roles.map((r) => `\`${r.alias}\`: ${formatDuration(r.defaultSeconds)} by default, up to ${formatDuration(r.maxSeconds)}${r.approval ? ', needs approval' : ''}`).join('\n'),
};

export type HomeWords = typeof HOME;
