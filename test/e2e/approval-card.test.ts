// The approval card says what the role allows, read from the hub's ClusterRole when the request
// is made. On the suite's hub the preset roles are Karpor's own (see doctor-capped.test.ts for a
// changed one, on a hub of its own).
import { buttonValue, PEOPLE, startTestBot, type TestBot } from '../support/bot';

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot();
});
afterAll(() => t?.stop());

test("the card summarises karpor-admin's rules, and says nothing differs from Karpor's defaults", async () => {
  await t.command(PEOPLE.platformAdmin, 'admin 1h -- incident 4711');
  const card = await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postMessage' && m.channel === `D${PEOPLE.approver}` && buttonValue(m, 'request_approve')), 15_000);
  const text = card.blocks![0].text.text as string;
  expect(text).toContain('*It allows* (ClusterRole `karpor-admin`): register, update and delete clusters, edit resource-group rules; read everything');
  expect(text).not.toContain('⚠️');
});
