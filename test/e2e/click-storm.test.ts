// Someone clicking Approve again and again: cheap checks answer before any live user-group
// look-up, concurrent look-ups share one Slack call, each person's clicks are limited, and token
// deliveries keep flowing while Slack throttles usergroups.list.
import { answerAt, buttonValue, PEOPLE, startTestBot, tokenIn, type TestBot } from '../support/bot';
import { blockActionPayload } from '../support/slack-requests';

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot();
});
afterAll(() => t.stop());
beforeEach(() => {
  t.slack.reset();
  t.slack.clearFaults();
});

async function openRequest(): Promise<string> {
  const seen = t.slack.messages.length;
  await t.command(PEOPLE.platformAdmin, 'admin 1h -- incident 4711');
  const card = await t.slack.waitFor(() => t.slack.messages.slice(seen).find((m) => m.channel === `D${PEOPLE.approver}` && buttonValue(m, 'request_approve')), 15_000);
  return buttonValue(card, 'request_approve')!;
}

const clickApprove = (userId: string, id: string, responseId: string) =>
  t.interact(blockActionPayload({ userId, actionId: 'request_approve', value: id, responseUrl: t.slack.responseUrl(responseId) }));

test('40 Approve clicks by a non-approver while Slack throttles usergroups.list: no look-up, a clear answer, and tokens keep coming', async () => {
  const id = await openRequest();
  t.slack.fault('usergroups.list', { status: 429, retryAfter: 5 });
  const groupCalls = t.slack.callsTo('usergroups.list').length;

  const clicks = Array.from({ length: 40 }, (_, i) => clickApprove(PEOPLE.engineer, id, `storm-${i}`));
  const deliveries = [1, 2, 3].map(() => t.command(PEOPLE.platformAdmin, 'guest'));
  expect((await Promise.all(clicks)).every((r) => r.status === 200)).toBe(true);
  await Promise.all(deliveries);
  await t.slack.waitFor(() => t.slack.messages.filter((m) => m.user === PEOPLE.platformAdmin && tokenIn(m)).length === 3, 15_000);

  const answers = await Promise.all(clicks.map((_, i) => answerAt(t, `storm-${i}`)));
  const refused = answers.filter((a) => /Only members of the approver groups of `admin` can approve/.test(a));
  const slowed = answers.filter((a) => /Wait \d+ s, then click once/.test(a));
  expect(refused.length + slowed.length).toBe(40);
  expect(refused.length).toBeGreaterThanOrEqual(1);
  expect(slowed.length).toBeGreaterThanOrEqual(25);
  expect(t.slack.callsTo('usergroups.list').length - groupCalls).toBeLessThanOrEqual(1);
  expect(t.slack.callsTo('views.open')).toEqual([]);
});

test('concurrent Approve clicks by approvers share one live look-up, and the request is approved once', async () => {
  const id = await openRequest();
  // Slack is slow to answer, so the clicks' look-ups overlap.
  t.slack.fault('usergroups.list', { delayMs: 800 });
  const groupCalls = t.slack.callsTo('usergroups.list').length;
  const clicks = Array.from({ length: 10 }, (_, i) => clickApprove(i % 2 ? PEOPLE.approver : PEOPLE.approver2, id, `live-${i}`));
  await Promise.all(clicks);
  const answers = await Promise.all(clicks.map((_, i) => answerAt(t, `live-${i}`)));
  expect(answers.filter((a) => /^Approved/.test(a))).toHaveLength(1);
  expect(t.slack.callsTo('usergroups.list').length - groupCalls).toBeLessThanOrEqual(2);
  await t.slack.waitFor(() => t.slack.messages.find((m) => m.user === PEOPLE.platformAdmin && tokenIn(m)), 15_000);
});
