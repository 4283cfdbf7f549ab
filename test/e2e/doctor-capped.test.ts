// A hub of its own, where Karpor's presets and anonymous binding may change without touching the
// suite's hub: the check-up on a hub that caps tokens at 1h (below the policy's 8h guest role),
// and the approval card for a changed preset role.
import * as k8s from '@kubernetes/client-node';
import { startHub, type RunningHub } from '../hub/harness';
import { adminKubeConfig } from '../support/hub';
import { buttonValue, PEOPLE, startTestBot, testPolicy, type TestBot } from '../support/bot';

let hub: RunningHub;
let t: TestBot;
beforeAll(async () => {
  hub = await startHub({ maxTokenSeconds: 3600 });
  // Every hub helper in this file (the bot's identity, namespaces) works on this hub.
  process.env.KARPOR_TEST_HUB_SERVER = hub.server;
  process.env.KARPOR_TEST_HUB_KUBECONFIG = hub.kubeconfigPath;
  const policy = testPolicy('capped');
  // karpor-guest with approval, for its card; short enough for the cap.
  policy.roles.review = { clusterRole: 'karpor-guest', groups: ['engineers'], defaultDuration: '1h', maxDuration: '1h', approval: { groups: ['karpor-approvers'], timeout: '30m' } };
  t = await startTestBot({ policy });
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await hub?.stop();
});

async function doctorLines(): Promise<string[]> {
  const sent = await t.command(PEOPLE.approver, 'doctor');
  const id = sent.responseUrl.split('/').pop()!;
  const res = await t.slack.waitFor(() => t.slack.responses.find((r) => r.id === id), 60_000);
  return ((res.body.blocks ?? []) as Array<{ type: string; text?: { text: string } }>).filter((b) => b.type === 'section').map((b) => b.text!.text);
}

test('a token maximum below the policy: the roles it cuts and what to do', async () => {
  const lines = await doctorLines();
  expect(lines.find((l) => /Token maximum/.test(l))).toMatch(
    /^⚠️ \*Token maximum\*: the hub grants at most 1h, so tokens for `guest` \(up to 8h\) and `admin` \(up to 4h\) end early\. Lower their `maxSeconds` in the policy to 1h, or start the hub with a longer `--service-account-max-token-expiration`\./,
  );
});

test('without the anonymous binding, reads need a token', async () => {
  await adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api).deleteClusterRoleBinding({ name: 'anonymous' });
  // The hub's authorizer learns of the deletion through a watch.
  let lines: string[] = [];
  for (let i = 0; i < 20; i++) {
    lines = await doctorLines();
    if (lines.some((l) => /Reads need a token/.test(l))) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(lines.find((l) => /Reads/.test(l))).toBe('✅ *Reads need a token*: requests without one are refused.');
});

test("a preset role changed on the hub: the approval card marks what differs from Karpor's default", async () => {
  const rbac = adminKubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
  const guest = await rbac.readClusterRole({ name: 'karpor-guest' });
  await rbac.replaceClusterRole({ name: 'karpor-guest', body: { ...guest, rules: [...(guest.rules ?? []), { verbs: ['post'], nonResourceURLs: ['/rest-api/v1/cluster/*'] }] } });
  await t.command(PEOPLE.engineer, 'review 1h -- checking a cluster');
  const card = await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postMessage' && m.channel === `D${PEOPLE.approver}` && buttonValue(m, 'request_approve')), 15_000);
  const text = card.blocks![0].text.text as string;
  expect(text).toContain('*It allows* (ClusterRole `karpor-guest`): register clusters; read everything');
  expect(text).toContain("⚠️ differs from Karpor's default `karpor-guest`: adds `post` on `/rest-api/v1/cluster/*`");
  // The check-up sees the same change.
  expect((await doctorLines()).find((l) => /`karpor-guest`/.test(l))).toMatch(/^⚠️ \*`karpor-guest`\* differs from Karpor's default: it also allows `post` on `\/rest-api\/v1\/cluster\/\*`/);
});
