// Continuous entitlement on the real hub: a person removed from the Slack group that allows a role
// loses their live grants of it at the next successful membership look-up, never after a failed one.
// And one request gives one grant there, whatever retries; hygiene: handles warned about at start,
// finished requests deleted after their retention.
import * as k8s from '@kubernetes/client-node';
import { policyFrom } from '../../src/config/policy-file';
import { systemClock } from '../../src/domain/ports';
import { HubClient } from '../../src/hub/client';
import { KarporHub } from '../../src/hub/karpor-hub';
import { adminKubeConfig, createNamespace, dashboardLogin, uniqueName } from '../support/hub';
import { botIdentity, grantNamespaces, grantSecrets, GROUPS, movableClock, PEOPLE, say, startTestBot, testPolicy, tokenIn, type TestBot } from '../support/bot';

const REFRESH_MS = 300;

/** Polls until the hub refuses the token (it remembers a good check for 10 s). */
async function refusedWithin(token: string, limitMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if ((await dashboardLogin(token)) === 401) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`token still accepted after ${limitMs} ms`);
}

describe('leaving the group ends access', () => {
  let t: TestBot;
  const tokens: string[] = [];
  const clock = movableClock();
  beforeAll(async () => {
    t = await startTestBot({ clock, intervals: { directoryMs: REFRESH_MS } });
  });
  afterAll(async () => {
    for (const token of tokens) expect(t.logs.join('\n')).not.toContain(token);
    await t.stop();
  });

  test('a failed look-up changes nothing; the next good one that shows the loss revokes, audits and tells why', async () => {
    expect(await say(t, PEOPLE.engineer, 'guest 1h')).toMatch(/token is in your DM/);
    const dm = await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postEphemeral' && m.user === PEOPLE.engineer && tokenIn(m)), 15_000);
    const token = tokenIn(dm)!;
    tokens.push(token);
    expect(await dashboardLogin(token)).toBe(200);

    // Slack fails while the person leaves: no look-up succeeds, so nothing counts as lost.
    t.slack.fault('usergroups.list', { error: 'internal_error' });
    t.slack.setUsergroups(GROUPS.map((g) => ({ ...g, users: g.users.filter((u) => u !== PEOPLE.engineer) })));
    const failedBefore = t.slack.callsTo('usergroups.list').length;
    await t.slack.waitFor(() => t.slack.callsTo('usergroups.list').length >= failedBefore + 3, 10_000);
    expect(await dashboardLogin(token)).toBe(200);
    expect(t.logs.filter((l) => /"by":"membership"/.test(l))).toEqual([]);

    // Slack answers again, without the person in the group.
    t.slack.clearFaults();
    await refusedWithin(token, 10_000 + 10 * REFRESH_MS);
    const audit = t.logs.filter((l) => /"event":"grant.revoked"/.test(l) && /"by":"membership"/.test(l));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toContain(PEOPLE.engineer);
    const told = await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postMessage' && m.channel === `D${PEOPLE.engineer}` && /no longer in a Slack group/.test(String(m.text))), 5_000);
    expect(String(told.text)).toMatch(/^I revoked your `guest` Karpor grant `[a-z0-9]{10}`/);
    // Later look-ups find nothing more to end.
    const calls = t.slack.callsTo('usergroups.list').length;
    await t.slack.waitFor(() => t.slack.callsTo('usergroups.list').length >= calls + 3, 10_000);
    expect(t.logs.filter((l) => /"by":"membership"/.test(l))).toHaveLength(1);
  });

  test('a policy naming groups by handle is warned about once at start, with the IDs the handles have now', () => {
    const warnings = t.logs.filter((l) => /names Slack user groups by handle/.test(l));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!).handles).toEqual({ engineers: 'S0ENG', platform: 'S0PLAT', 'karpor-approvers': 'S0APPR' });
  });

  test('finished requests are deleted from the hub after the retention (30 days by default), open ones stay', async () => {
    const requests = async () => (await adminKubeConfig().makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace: t.namespace, labelSelector: 'karpor.io/kind=request' })).items;
    expect(await say(t, PEOPLE.platformAdmin, 'admin 1h -- INC-1')).toMatch(/waiting for approval/);
    // Ending the person's access cancels the request: finished now.
    expect(await say(t, PEOPLE.platformAdmin, 'revoke all')).toMatch(/Also ended 1 of your open requests/);
    expect(await say(t, PEOPLE.platformAdmin, 'admin 1h -- INC-2')).toMatch(/waiting for approval/);
    expect(await requests()).toHaveLength(2);
    clock.advance(29 * 86_400_000);
    try {
      await t.bot.housekeeping.purge();
      expect(await requests()).toHaveLength(2);
      clock.advance(2 * 86_400_000);
      await t.bot.housekeeping.purge();
      expect((await requests()).map((r) => r.metadata?.labels?.['karpor.io/state'])).toEqual(['pending']);
    } finally {
      clock.advance(-31 * 86_400_000);
    }
  });
});

describe('one request, one grant, on the hub', () => {
  test("a second grant for the same request is refused by the hub; the request's one grant is found in its role's namespace", async () => {
    const namespace = await createNamespace(uniqueName('one'));
    const prefix = uniqueName('o').slice(0, 12);
    const input = testPolicy(prefix);
    const conn = new HubClient({ kind: 'kubeconfig', path: await botIdentity(namespace, input) }, 10_000);
    const policy = policyFrom(input);
    const replicas = [0, 1].map(() => new KarporHub(conn, policy, systemClock, () => undefined, () => undefined));
    for (const r of replicas) r.start();
    const [hub, other] = replicas as [KarporHub, KarporHub];
    try {
      const role = policy.roles.find((r) => r.alias === 'guest')!;
      const identity = await hub.ensureIdentity(role, PEOPLE.engineer);
      const grant = { userId: PEOPLE.engineer, role: 'guest', grantedAt: new Date(), requestId: 'abcdefghij' };
      const first = await hub.issue(identity, grant, 3600);
      expect(first.grant.id).toBe('abcdefghij');
      await expect(other.issue(identity, grant, 3600)).rejects.toMatchObject({ kind: 'conflict' });
      const secrets = await grantSecrets(namespace);
      expect(secrets.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`)).toEqual([`${identity.namespace}/karpor-grant-abcdefghij`]);
      expect(grantNamespaces(namespace)).toContain(identity.namespace);
      // What the claim looks up before issuing, and after a conflict: the grant there is.
      expect(await other.grant('abcdefghij')).toMatchObject({ id: 'abcdefghij', namespace: identity.namespace, requestId: 'abcdefghij', userId: PEOPLE.engineer });
      expect(await dashboardLogin(first.token)).toBe(200);
      await hub.revoke(first.grant.id);
      expect(await other.grant('abcdefghij')).toBeUndefined();
    } finally {
      for (const r of replicas) r.stop();
    }
  });
});
