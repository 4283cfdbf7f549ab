// The check-up on a hub of its own that caps tokens at 1h (below the policy's 8h guest role),
// where Karpor's anonymous binding can be taken away without touching the suite's hub.
import * as k8s from '@kubernetes/client-node';
import { startHub, type RunningHub } from '../hub/harness';
import { adminKubeConfig } from '../support/hub';
import { PEOPLE, startTestBot, type TestBot } from '../support/bot';

let hub: RunningHub;
let t: TestBot;
beforeAll(async () => {
  hub = await startHub({ maxTokenSeconds: 3600 });
  // Every hub helper in this file (the bot's identity, namespaces) works on this hub.
  process.env.KARPOR_TEST_HUB_SERVER = hub.server;
  process.env.KARPOR_TEST_HUB_KUBECONFIG = hub.kubeconfigPath;
  t = await startTestBot();
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
