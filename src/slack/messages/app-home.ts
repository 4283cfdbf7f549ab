import type { Button, KnownBlock, View } from '@slack/types';
import type { Home } from '../../domain/home';
import { EN, type Words } from '../text/words';
import { ACTION } from './ids';

const button = (action_id: string, text: string, value: string, style?: 'primary' | 'danger'): Button => ({
  type: 'button',
  action_id,
  text: { type: 'plain_text', text },
  value,
  ...(style && { style }),
});
const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const heading = (text: string): KnownBlock => ({ type: 'header', text: { type: 'plain_text', text } });

/** Slack keeps at most 100 blocks in a view; the lists stop short of that. */
const MAX_ITEMS = 15;

/** The Home tab of one person: their grants, their requests, what waits for them, what they may ask for. */
export function homeView(home: Home, w: Words = EN): View {
  const HOME = w.home;
  const blocks: KnownBlock[] = [heading(HOME.title), { type: 'context', elements: [{ type: 'mrkdwn', text: `${HOME.intro} ${HOME.updated(home.now)}` }] }];

  blocks.push(heading(HOME.grantsHeading));
  if (home.grants.length === 0) blocks.push(section(HOME.noGrants));
  for (const g of home.grants.slice(0, MAX_ITEMS)) {
    blocks.push(section(HOME.grant(g)), {
      type: 'actions',
      block_id: `home_grant_${g.id}`,
      elements: [
        button(ACTION.showAgain, HOME.showAgain, g.id),
        {
          ...button(ACTION.revokeGrant, HOME.revoke, g.id, 'danger'),
          confirm: {
            title: { type: 'plain_text', text: HOME.revokeConfirmTitle },
            text: { type: 'plain_text', text: HOME.revokeConfirmText },
            confirm: { type: 'plain_text', text: HOME.revokeConfirm },
            deny: { type: 'plain_text', text: HOME.revokeKeep },
          },
        },
      ],
    });
  }

  if (home.requests.length > 0) {
    blocks.push(heading(HOME.requestsHeading));
    for (const r of home.requests.slice(0, MAX_ITEMS)) {
      blocks.push(section(HOME.request(r)), { type: 'actions', block_id: `home_request_${r.id}`, elements: [button(ACTION.cancel, HOME.cancel, r.id)] });
    }
  }

  if (home.approver) {
    blocks.push(heading(HOME.waitingHeading));
    if (home.waiting.length === 0) blocks.push(section(HOME.nothingWaiting));
    for (const r of home.waiting.slice(0, MAX_ITEMS)) {
      blocks.push(section(HOME.waiting(r)), {
        type: 'actions',
        block_id: `home_waiting_${r.id}`,
        elements: [button(ACTION.approve, HOME.approve, r.id, 'primary'), button(ACTION.deny, HOME.deny, r.id, 'danger')],
      });
    }
  }

  blocks.push(heading(HOME.askHeading));
  if (home.mine.length === 0) blocks.push(section(HOME.noRoles));
  else {
    blocks.push(section(HOME.roles(home.mine)), {
      type: 'actions',
      block_id: 'home_ask',
      elements: home.mine.slice(0, 25).map((r) => button(ACTION.homeRequest, HOME.roleButton(r), r.alias)),
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: HOME.usage }] });
  return { type: 'home', blocks };
}
