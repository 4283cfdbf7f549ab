// The Slack side of the doctor through the real Web API client, against the fake Slack Web API.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLevel, WebClient } from '@slack/web-api';
import { diagnose, type DoctorFacts, type Finding } from '../../src/domain/doctor';
import type { Policy } from '../../src/domain/policy';
import { SlackDirectory } from '../../src/slack/directory';
import { gatherSlackFacts, webClientSlackProbe } from '../../src/slack/doctor-facts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-api';
import { approvalPolicy, rolePolicy, samplePolicy } from '../unit/fakes';

const NEEDED = ['commands', 'chat:write', 'im:write', 'usergroups:read'];
const hubAsItShouldBe: DoctorFacts['hub'] = { rbac: true, anonymousReads: [], tokenMaximum: undefined, clusterRoles: [] };

const clientFor = (url: string): WebClient => new WebClient('xoxb-test', { slackApiUrl: url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });

function slackFindings(slack: DoctorFacts['slack'], policy: Policy): Finding[] {
  const checks = new Set<Finding['check']>(['slack-scopes', 'user-groups', 'approvers']);
  return diagnose({ hub: hubAsItShouldBe, botCredentialExpiresAt: null, slack }, policy, new Date()).filter((f) => checks.has(f.check));
}

describe('a paid workspace with user groups', () => {
  let fake: FakeSlack;
  let directory: SlackDirectory;
  const policy = samplePolicy();

  beforeAll(async () => {
    fake = await startFakeSlack({
      // UAPPR02 is not a user of this workspace (any more): no DM can be opened with them.
      users: ['UENG001', 'UPLAT01', 'UAPPR01', 'UADMIN1'].map((id) => ({ id, name: id.toLowerCase() })),
      usergroups: [
        { id: 'S0ENG', handle: 'engineers', users: ['UENG001', 'UPLAT01'] },
        { id: 'S0PLAT', handle: 'platform', users: ['UPLAT01'] },
        { id: 'S0APPR', handle: 'approvers', users: ['UAPPR01', 'UAPPR02'] },
        { id: 'S0OLD', handle: 'karpor-admins', users: ['UADMIN1'], disabled: true },
      ],
    });
    directory = new SlackDirectory(clientFor(fake.url), policy, { refreshMs: 60_000, staleLimitMs: 60_000 }, (err) => {
      throw err;
    });
    await directory.start();
  });
  afterAll(async () => {
    directory.stop();
    await fake.stop();
  });

  test('groups are found by handle, a disabled one is not, and only approvers with a DM count', async () => {
    const slack = await gatherSlackFacts(webClientSlackProbe(clientFor(fake.url)), directory, policy, NEEDED);
    expect(slack.userGroups).toEqual([
      { ref: 'engineers', found: true },
      { ref: 'platform', found: true },
      { ref: 'approvers', found: true },
      { ref: 'karpor-admins', found: false },
    ]);
    expect(slack.approvers).toEqual([
      { role: 'admin', reachable: 1 },
      { role: 'audit', reachable: 1 },
    ]);
    // Each approver was asked about once, though both roles share them.
    expect(fake.callsTo('conversations.open').map((c) => c.args.users).sort()).toEqual(['UAPPR01', 'UAPPR02']);
    expect(slackFindings(slack, policy).map((f) => [f.check, 'role' in f ? f.role : undefined, f.status])).toEqual([
      ['slack-scopes', undefined, 'warn'],
      ['user-groups', undefined, 'warn'],
      ['approvers', 'admin', 'ok'],
      ['approvers', 'audit', 'fail'],
    ]);
  });

  test('groups named by ID are found too', async () => {
    const byId: Policy = { ...policy, revokers: { groups: ['S0APPR'], users: [] }, roles: [rolePolicy('guest', { allowed: { groups: ['S0ENG', 'S0NONE'], users: [] } })] };
    const slack = await gatherSlackFacts(webClientSlackProbe(clientFor(fake.url)), directory, byId, NEEDED);
    expect(slack.userGroups).toEqual([
      { ref: 'S0ENG', found: true },
      { ref: 'S0NONE', found: false },
      { ref: 'S0APPR', found: true },
    ]);
  });
});

test('a free workspace: no user groups to have, approvers named by user ID still reached', async () => {
  const fake = await startFakeSlack({ usergroupsPlanUpgradeRequired: true, users: [{ id: 'UAPPR01', name: 'ann' }] });
  try {
    const policy = samplePolicy({
      roles: [rolePolicy('admin', { allowed: { groups: ['platform'], users: [] }, approval: approvalPolicy({ groups: [], users: ['UAPPR01'], count: 1 }) })],
      revokers: { groups: [], users: [] },
    });
    const slack = await gatherSlackFacts(webClientSlackProbe(clientFor(fake.url)), { members: async (a) => a.users }, policy, NEEDED);
    expect(slack.userGroups).toBe('not-on-plan');
    expect(slack.approvers).toEqual([{ role: 'admin', reachable: 1 }]);
    expect(slackFindings(slack, policy).find((f) => f.check === 'user-groups')).toEqual(expect.objectContaining({ status: 'fail', state: 'not-on-plan', missing: ['platform'] }));
  } finally {
    await fake.stop();
  }
});

test('a policy that names no groups never asks Slack for them', async () => {
  const fake = await startFakeSlack({ usergroupsPlanUpgradeRequired: true });
  try {
    const policy = samplePolicy({ roles: [rolePolicy('guest', { allowed: { groups: [], users: ['UENG001'] } })], revokers: { groups: [], users: [] } });
    const slack = await gatherSlackFacts(webClientSlackProbe(clientFor(fake.url)), { members: async (a) => a.users }, policy, NEEDED);
    expect(slack.userGroups).toEqual([]);
    expect(fake.callsTo('usergroups.list')).toHaveLength(0);
  } finally {
    await fake.stop();
  }
});

describe('the scopes of the bot token', () => {
  // Slack reports them in the x-oauth-scopes header of every answer.
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-oauth-scopes': 'commands,chat:write,im:write,users:read' });
      res.end(JSON.stringify({ ok: true, user_id: 'U0FAKEBOT', team_id: 'T0FAKE001' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  test('are read from auth.test: one missing, one more than needed', async () => {
    const scopes = await webClientSlackProbe(clientFor(url)).grantedScopes();
    expect(scopes).toEqual(['commands', 'chat:write', 'im:write', 'users:read']);
    const policy = samplePolicy({ roles: [rolePolicy('guest', { allowed: { groups: [], users: ['UENG001'] } })], revokers: { groups: [], users: [] } });
    const [finding] = slackFindings({ grantedScopes: scopes, neededScopes: NEEDED, userGroups: [], approvers: [] }, policy);
    expect(finding).toEqual({ check: 'slack-scopes', status: 'fail', state: 'known', missing: ['usergroups:read'], extra: ['users:read'] });
  });
});
