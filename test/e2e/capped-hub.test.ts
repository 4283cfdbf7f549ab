// A hub that caps token lifetimes (--service-account-max-token-expiration) cuts a longer
// TokenRequest short without an error: the DM must show the expiry the hub gave, not the one asked.
import { startHub, type RunningHub } from '../hub/harness';
import { dashboardLogin, tokenOwner } from '../support/hub';
import { answerAt, PEOPLE, startTestBot, tokenIn, type TestBot } from '../support/bot';

const CAP_SECONDS = 3600;

let hub: RunningHub;
let t: TestBot;
beforeAll(async () => {
  hub = await startHub({ maxTokenSeconds: CAP_SECONDS });
  // Every hub helper in this file (the bot's identity, namespaces) works on the capped hub.
  process.env.KARPOR_TEST_HUB_SERVER = hub.server;
  process.env.KARPOR_TEST_HUB_KUBECONFIG = hub.kubeconfigPath;
  t = await startTestBot();
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await hub?.stop();
});

test('guest 8h on a hub capped at 1h: the DM and the answer show the real, shorter expiry', async () => {
  const asked = Date.now();
  const sent = await t.command(PEOPLE.engineer, 'guest 8h');
  const dm = await t.slack.waitFor(() => t.slack.messages.find((m) => m.user === PEOPLE.engineer && tokenIn(m)), 15_000);
  const token = tokenIn(dm)!;
  const expiresAt = tokenOwner(token)!.expiresAt!;
  expect(expiresAt.getTime() - asked).toBeLessThanOrEqual(CAP_SECONDS * 1000 + 5_000);
  expect(expiresAt.getTime() - asked).toBeGreaterThan(CAP_SECONDS * 1000 - 60_000);

  const shown = `<!date^${Math.floor(expiresAt.getTime() / 1000)}^{date_short_pretty} {time}|${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
  expect(JSON.stringify(dm.blocks)).toContain(`valid until *${shown}*`);
  expect(await answerAt(t, sent.responseUrl.split('/').pop()!)).toMatch(/It expires <!date\^\d+\^[^>]+> \(in (59m|1h)\)\./);
  expect(await dashboardLogin(token, hub.server)).toBe(200);
});
