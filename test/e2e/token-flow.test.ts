// The core flow end to end: signed slash commands into the real Bolt receiver, the real hub,
// the fake Slack Web API recording what the bot sends.
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, hubRequest } from '../support/hub';
import { answerAt, botIdentity, botSecrets, PEOPLE, startTestBot, tokenIn, type TestBot } from '../support/bot';
import { postSigned, slashCommandBody } from '../support/slack-requests';

const issued: string[] = [];
let t: TestBot;
const core = () => adminKubeConfig().makeApiClient(k8s.CoreV1Api);
const rbac = () => adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);

beforeAll(async () => {
  t = await startTestBot();
});
afterAll(async () => {
  // Whatever was issued in this file must not be in any log line, at debug level.
  const all = t.logs.join('\n');
  expect(issued.length).toBeGreaterThan(0);
  for (const token of issued) expect(all).not.toContain(token);
  await t.stop();
});
beforeEach(() => t.slack.reset());

async function tokenFor(userId: string): Promise<{ token: string; text: string }> {
  const msg = await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postEphemeral' && m.user === userId && tokenIn(m)), 15_000);
  const token = tokenIn(msg)!;
  issued.push(token);
  return { token, text: JSON.stringify(msg.blocks) };
}

/** The Secrets in the bot's home and role namespaces. */
async function namespaceSecrets(): Promise<string[]> {
  return (await botSecrets(t.namespace)).map((s) => `${s.metadata!.namespace}/${s.metadata!.name}`).sort();
}
const guests = () => `${t.prefix}-guests`;

test('a guest token arrives by ephemeral DM and can do exactly what karpor-guest allows', async () => {
  const sent = await t.command(PEOPLE.engineer, 'guest 2h');
  expect(sent.status).toBe(200);
  const { token, text } = await tokenFor(PEOPLE.engineer);
  const dm = t.slack.messages.find((m) => m.method === 'chat.postEphemeral')!;
  expect(dm.channel).toBe(`D${PEOPLE.engineer}`);
  expect(text).toMatch(/valid until \*<!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC>\* \(in (1h 59m|2h)\)/);
  expect(await answerAt(t, sent.responseUrl.split('/').pop()!)).toMatch(/token is in your DM/);
  // Nowhere else: the channel answer, cards and calls carry no token.
  expect(JSON.stringify(t.slack.responses)).not.toContain(token);
  expect(JSON.stringify(t.slack.messages.filter((m) => m !== dm))).not.toContain(token);

  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
  expect(await hubRequest(token, 'POST', '/rest-api/v1/cluster/x')).toBe(403);
  expect(await hubRequest('not-a-token', 'GET', '/rest-api/v1/authn')).toBe(401);

  // The seed's account name, in the role's own namespace; the role comes from that namespace's group.
  const sa = await core().readNamespacedServiceAccount({ namespace: guests(), name: `${t.prefix}-guest` });
  expect(sa.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('karpor-token-bot');
  const crb = await rbac().readClusterRoleBinding({ name: guests() });
  expect(crb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'karpor-guest' });
  expect(crb.subjects).toEqual([{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `system:serviceaccounts:${guests()}` }]);
});

test('a second request reuses the ServiceAccount and binding and gets a different working token', async () => {
  const before = await core().readNamespacedServiceAccount({ namespace: guests(), name: `${t.prefix}-guest` });
  await t.command(PEOPLE.engineer, 'guest');
  const { token } = await tokenFor(PEOPLE.engineer);
  expect(issued.filter((x) => x === token)).toHaveLength(1);
  const after = await core().readNamespacedServiceAccount({ namespace: guests(), name: `${t.prefix}-guest` });
  expect(after.metadata?.uid).toBe(before.metadata?.uid);
  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
});

test('an admin token, once issued, may write clusters', async () => {
  // Approval is tested elsewhere; here admin is configured without it to check the role itself.
  const noApproval = await startTestBot({
    namespace: t.namespace,
    policy: { identity: { mode: 'shared', prefix: `${t.prefix}-x` }, roles: { admin: { clusterRole: 'karpor-admin', groups: ['platform'], approval: 'none' } } },
  });
  try {
    await noApproval.command(PEOPLE.platformAdmin, 'admin 30m');
    const msg = await noApproval.slack.waitFor(() => noApproval.slack.messages.find((m) => m.method === 'chat.postEphemeral' && tokenIn(m)), 15_000);
    const token = tokenIn(msg)!;
    issued.push(token);
    expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
    expect(await hubRequest(token, 'POST', '/rest-api/v1/cluster/x')).toBe(404);
  } finally {
    await noApproval.stop();
  }
});

test.each([
  ['guest 5m', /too short/],
  ['guest 9h', /at most 8h/],
  ['guest 1x', /not a duration/],
  ['guest 1h extra', /Unexpected "extra"/],
  ['nosuchrole', /There is no role "nosuchrole"/],
  ['GUEST; rm -rf /', /not a role name/],
  ['admin 1h', /not in a group that may request `admin`/],
])('"%s" gets a specific answer and touches nothing on the hub', async (text, answer) => {
  const before = await namespaceSecrets();
  const sent = await t.command(PEOPLE.engineer, text);
  expect(sent.status).toBe(200);
  expect(await answerAt(t, sent.responseUrl.split('/').pop()!)).toMatch(answer);
  expect(await namespaceSecrets()).toEqual(before);
  expect(t.slack.messages).toHaveLength(0);
  await expect(core().readNamespacedServiceAccount({ namespace: `${t.prefix}-admins`, name: `${t.prefix}-admin` })).rejects.toMatchObject({ code: 404 });
});

test('a person in no mapped group is refused politely', async () => {
  const sent = await t.command(PEOPLE.outsider, 'guest');
  expect(await answerAt(t, sent.responseUrl.split('/').pop()!)).toMatch(/not in a group that may request `guest`.*You may not request any Karpor role/s);
});

test('help, and a bare command, list the roles this person may request', async () => {
  const bare = await t.command(PEOPLE.platformAdmin, '');
  const text = await answerAt(t, bare.responseUrl.split('/').pop()!);
  expect(text).toMatch(/`guest` \(up to 8h\)/);
  expect(text).toMatch(/`admin` \(up to 4h, needs approval\)/);
  const help = await t.command(PEOPLE.engineer, 'help');
  expect(await answerAt(t, help.responseUrl.split('/').pop()!)).not.toMatch(/`admin`/);
});

test('a role binding that points at the wrong role from the start is refused, with an alert in the log', async () => {
  const policy = { identity: { mode: 'shared' as const, prefix: `${t.prefix}-wrong` }, roles: { guest: { clusterRole: 'karpor-guest', groups: ['engineers'] } } };
  const kubeconfig = await botIdentity(t.namespace, policy);
  // Replaced before the bot starts (a binding's role cannot be edited in place).
  const name = `${t.prefix}-wrong-guests`;
  const made = await rbac().readClusterRoleBinding({ name });
  await rbac().deleteClusterRoleBinding({ name });
  await rbac().createClusterRoleBinding({ body: { metadata: { name }, roleRef: { ...made.roleRef, name: 'karpor-admin' }, subjects: made.subjects } });
  const wrong = await startTestBot({ namespace: t.namespace, policy, kubeconfig });
  try {
    const sent = await wrong.command(PEOPLE.engineer, 'guest');
    const id = sent.responseUrl.split('/').pop();
    const res = await wrong.slack.waitFor(() => wrong.slack.responses.find((r) => r.id === id), 15_000);
    expect(String(res.body.text)).toMatch(/RBAC for `guest` is not what this bot expects \(ClusterRoleBinding .*-wrong-guests binds ClusterRole karpor-admin, not ClusterRole karpor-guest\)/);
    expect(wrong.slack.messages.filter((m) => tokenIn(m))).toHaveLength(0);
    expect(wrong.logs.some((l) => /"alert":true/.test(l) && /hub binding conflict/.test(l))).toBe(true);
    const crb = await rbac().readClusterRoleBinding({ name });
    expect(crb.roleRef.name).toBe('karpor-admin');
  } finally {
    await wrong.stop();
  }
});

test('a request with a bad signature gets 401 and changes nothing', async () => {
  const before = await namespaceSecrets();
  const body = slashCommandBody({ userId: PEOPLE.engineer, text: 'guest', responseUrl: t.slack.responseUrl('forged') });
  const res = await postSigned(t.url, 'not-the-signing-secret', body);
  expect(res.status).toBe(401);
  await new Promise((r) => setTimeout(r, 300));
  expect(t.slack.responses).toHaveLength(0);
  expect(t.slack.messages).toHaveLength(0);
  expect(await namespaceSecrets()).toEqual(before);
});

test('a ServiceAccount deleted behind the bot\'s back is made again on the next request', async () => {
  await t.command(PEOPLE.engineer, 'guest');
  await tokenFor(PEOPLE.engineer);
  await core().deleteNamespacedServiceAccount({ namespace: guests(), name: `${t.prefix}-guest` });
  const grantsBefore = await namespaceSecrets();
  t.slack.reset();
  const sent = await t.command(PEOPLE.engineer, 'guest');
  const { token } = await tokenFor(PEOPLE.engineer);
  expect(await answerAt(t, sent.responseUrl.split('/').pop()!)).toMatch(/token is in your DM/);
  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
  await core().readNamespacedServiceAccount({ namespace: guests(), name: `${t.prefix}-guest` });
  // The attempt that met the missing account left no grant behind: exactly one more.
  const added = (await namespaceSecrets()).filter((name) => !grantsBefore.includes(name));
  expect(added).toHaveLength(1);
  expect(added[0]).toMatch(new RegExp(`^${guests()}/karpor-grant-`));
});

test('two replicas creating the same ServiceAccount at once both succeed', async () => {
  const prefix = `${t.prefix}-r`;
  const policy = { identity: { mode: 'shared' as const, prefix }, roles: { guest: { clusterRole: 'karpor-guest', groups: ['engineers'] } } };
  const a = await startTestBot({ namespace: t.namespace, policy, slack: t.slack });
  const b = await startTestBot({ namespace: t.namespace, policy, slack: t.slack });
  try {
    t.slack.reset();
    const sent = await Promise.all([a, b, a, b, a, b].map((bot) => bot.command(PEOPLE.engineer, 'guest')));
    const answers = await Promise.all(sent.map((s) => answerAt(t, s.responseUrl.split('/').pop()!)));
    expect(answers.filter((text) => !/token is in your DM/.test(text))).toEqual([]);
    const tokens = t.slack.messages.filter((m) => tokenIn(m)).map((m) => tokenIn(m)!);
    issued.push(...tokens);
    expect(new Set(tokens).size).toBe(6);
    const accounts = await core().listNamespacedServiceAccount({ namespace: `${prefix}-guests` });
    expect(accounts.items.map((a) => a.metadata?.name)).toEqual([`${prefix}-guest`]);
  } finally {
    await a.stop();
    await b.stop();
  }
});
