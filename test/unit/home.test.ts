import { homeOf, homesTouched } from '../../src/domain/home';
import { policyFrom } from '../../src/config/policy-file';
import type { Grant } from '../../src/domain/grant';
import type { AccessRequest } from '../../src/domain/request';
import { homeView } from '../../src/slack/messages/app-home';

const policy = policyFrom({
  roles: {
    guest: { clusterRole: 'karpor-guest', groups: ['eng'] },
    admin: { clusterRole: 'karpor-admin', groups: ['plat'], approval: { groups: ['leads'] } },
  },
});
const now = new Date('2026-01-01T12:00:00Z');
const person = (userId: string, ...groups: string[]) => ({ userId, groups: new Set(groups) });
const grant = (id: string, userId: string, expiresInMin: number): Grant => ({
  id, userId, role: 'guest', serviceAccount: 'karpor-guest', namespace: 'default', grantedAt: new Date(now.getTime() - 60_000), expiresAt: new Date(now.getTime() + expiresInMin * 60_000),
});
const request = (id: string, requester: string, over: Partial<AccessRequest> = {}): AccessRequest => ({
  id, requester, role: 'admin', seconds: 3600, state: 'pending', createdAt: now, expiresAt: new Date(now.getTime() + 600_000), approvals: [], cards: [], ...over,
});

describe('homeOf', () => {
  const pending = [
    request('own', 'U1'),
    request('other', 'U2'),
    request('approved-by-me', 'U3', { approvals: [{ userId: 'U1', at: now }] }),
    request('overdue', 'U4', { expiresAt: new Date(now.getTime() - 1) }),
    request('denied', 'U5', { state: 'denied' }),
  ];
  test.each([
    ['an engineer sees their live grants and may ask for guest', person('U9', 'eng'), [], [], false, ['guest']],
    ['an approver sees others\' open requests, not their own nor one they approved', person('U1', 'leads'), ['own'], ['other'], true, []],
    ['someone in no group may ask for nothing and approves nothing', person('U8'), [], [], false, []],
  ])('%s', (_what, who, mine, waiting, approver, roles) => {
    const home = homeOf(policy, who, [grant('live', who.userId, 30), grant('ended', who.userId, -1), grant('theirs', 'U7', 30)], pending, now);
    expect(home.grants.map((g) => g.id)).toEqual(['live']);
    expect(home.requests.map((r) => r.id)).toEqual(mine);
    expect(home.waiting.map((r) => r.id)).toEqual(waiting);
    expect(home.approver).toBe(approver);
    expect(home.mine.map((r) => r.alias)).toEqual(roles);
  });
});

test.each([
  [{ event: 'grant.issued', user: 'U1', role: 'guest' }, { userId: 'U1' }],
  [{ event: 'grant.expired', user: 'U1', role: 'guest' }, { userId: 'U1' }],
  [{ event: 'request.opened', user: 'U1', role: 'admin' }, { userId: 'U1', approversOf: 'admin' }],
  [{ event: 'request.denied', user: 'U1', role: 'admin' }, { userId: 'U1', approversOf: 'admin' }],
  [{ event: 'grants.revoked', user: 'U1', count: 0 }, { userId: 'U1' }],
])('homesTouched(%j)', (event, expected) => {
  expect(homesTouched(event)).toEqual(expected);
});

test('the Home view escapes reasons and never exceeds Slack\'s 100 blocks', () => {
  const many = Array.from({ length: 60 }, (_, i) => request(`r${i}`, 'U2', { reason: '<!channel> & <https://evil|x>' }));
  const view = homeView(homeOf(policy, person('U1', 'leads', 'eng'), Array.from({ length: 60 }, (_, i) => grant(`g${i}`, 'U1', 30)), many, now));
  expect(view.blocks.length).toBeLessThanOrEqual(100);
  const json = JSON.stringify(view);
  expect(json).not.toContain('<!channel>');
  expect(json).toContain('&lt;!channel&gt; &amp; &lt;https://evil|x&gt;');
});
