// The Home tab end to end: app_home_opened (signed Events API JSON) publishes it; it is published
// again, without being opened, when a grant is issued or revoked and when a request waits for an
// approver; its buttons are the cards' own and work from there.
import { hubRequest, loginAfterRevocation } from '../support/hub';
import { buttonValue, PEOPLE, startTestBot, tokenIn, type TestBot } from '../support/bot';
import { appHomeOpenedEvent, blockActionPayload } from '../support/slack-requests';

let t: TestBot;
const issued: string[] = [];

beforeAll(async () => {
  t = await startTestBot({ intervals: { homeDebounceMs: 50 } });
});
afterAll(async () => {
  const logs = t.logs.join('\n');
  for (const token of issued) expect(logs).not.toContain(token);
  await t.stop();
});
beforeEach(() => t.slack.reset());

/** Waits until the person's published Home satisfies `pred`; returns its blocks as JSON. */
function homeWhere(userId: string, pred: (json: string) => boolean): Promise<string> {
  return t.slack.waitFor(() => {
    const home = t.slack.homes.get(userId);
    const json = home && JSON.stringify(home.blocks);
    return json && pred(json) ? json : undefined;
  }, 15_000);
}

/** A click on the Home tab: no response URL, no message. */
const homeClick = (userId: string, actionId: string, value: string) => t.interact(blockActionPayload({ userId, actionId, value, ephemeral: true }));

async function tokenFor(userId: string, seen: number): Promise<string> {
  const dm = await t.slack.waitFor(() => t.slack.messages.slice(seen).find((m) => m.method === 'chat.postEphemeral' && m.user === userId && tokenIn(m)), 15_000);
  const token = tokenIn(dm)!;
  issued.push(token);
  return token;
}

test('opening the Home tab publishes it: no grants yet, and a button per role the person may ask for', async () => {
  expect((await t.event(appHomeOpenedEvent(PEOPLE.engineer))).status).toBe(200);
  const home = await homeWhere(PEOPLE.engineer, (j) => j.includes('home_request'));
  expect(t.slack.views.find((v) => v.method === 'views.publish')?.userId).toBe(PEOPLE.engineer);
  expect(home).toContain('You have no active grants.');
  const ask = t.slack.homes.get(PEOPLE.engineer).blocks.find((b: any) => b.block_id === 'home_ask');
  expect(ask.elements.map((e: any) => e.value)).toEqual(['guest']);
  // The Messages tab is not the Home: nothing is published for it.
  t.slack.reset();
  await t.event(appHomeOpenedEvent(PEOPLE.outsider, 'messages'));
  await new Promise((r) => setTimeout(r, 300));
  expect(t.slack.callsTo('views.publish')).toHaveLength(0);
});

/** Opens the person's Home tab and waits until it is drawn. */
async function openHome(userId: string): Promise<void> {
  await t.event(appHomeOpenedEvent(userId));
  await homeWhere(userId, (j) => j.includes('Karpor tokens'));
}

test('a token issued is on the Home without opening it again; Revoke there ends it on the hub and the Home follows', async () => {
  await openHome(PEOPLE.engineer);
  const seen = t.slack.messages.length;
  await t.command(PEOPLE.engineer, 'guest 1h');
  const token = await tokenFor(PEOPLE.engineer, seen);
  const withGrant = await homeWhere(PEOPLE.engineer, (j) => j.includes('grant_revoke'));
  const grantBlock = t.slack.homes.get(PEOPLE.engineer).blocks.find((b: any) => String(b.block_id).startsWith('home_grant_'));
  const grantId = buttonValue({ blocks: [grantBlock] } as never, 'grant_revoke')!;
  expect(withGrant).toContain(grantId);
  expect(withGrant).not.toContain(token);

  // (Not presented before: the hub would remember a good token for 10 s after its revocation.)
  await homeClick(PEOPLE.engineer, 'grant_revoke', grantId);
  const after = await homeWhere(PEOPLE.engineer, (j) => !j.includes(grantId));
  expect(after).toContain('You have no active grants.');
  expect(await loginAfterRevocation(token)).toBe(401);
  // The answer, with no response URL on the Home tab, is in the DM.
  await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.engineer}` && /Revoked grant/.test(m.text ?? '')), 15_000);
});

test('a role button on the Home issues that role, as the command would', async () => {
  const seen = t.slack.messages.length;
  await homeClick(PEOPLE.engineer, 'home_request', 'guest');
  const token = await tokenFor(PEOPLE.engineer, seen);
  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
  await homeWhere(PEOPLE.engineer, (j) => j.includes('grant_show_again'));
});

test('an approver sees the requests waiting for them and approves from the Home; the requester\'s Home shows it pending with Cancel', async () => {
  for (const who of [PEOPLE.approver, PEOPLE.approver2, PEOPLE.platformAdmin]) await openHome(who);
  await t.command(PEOPLE.platformAdmin, 'admin 1h -- incident 4711 &lt;b&gt;');
  const waiting = await homeWhere(PEOPLE.approver, (j) => j.includes('request_approve'));
  expect(waiting).toContain(`<@${PEOPLE.platformAdmin}>`);
  expect(waiting).toContain('incident 4711 &lt;b&gt;');
  const requestId = buttonValue({ blocks: t.slack.homes.get(PEOPLE.approver).blocks } as never, 'request_approve')!;
  const requester = await homeWhere(PEOPLE.platformAdmin, (j) => j.includes('request_cancel'));
  expect(requester).toContain(requestId);
  // The other approver sees it too; the requester is not offered their own request.
  await homeWhere(PEOPLE.approver2, (j) => j.includes(requestId));
  expect(requester).not.toContain('request_approve');

  const seen = t.slack.messages.length;
  await homeClick(PEOPLE.approver, 'request_approve', requestId);
  const token = await tokenFor(PEOPLE.platformAdmin, seen);
  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
  const done = await homeWhere(PEOPLE.approver, (j) => !j.includes(requestId));
  expect(done).toContain('No request waits for your approval.');
  await homeWhere(PEOPLE.platformAdmin, (j) => !j.includes('request_cancel') && j.includes('grant_show_again'));
});

test('Homes nobody opened are not redrawn: a token costs no Slack call for them', async () => {
  const fresh = await startTestBot({ namespace: t.namespace, slack: t.slack, intervals: { homeDebounceMs: 50 } });
  try {
    // Someone allowed guest whose Home was never opened through this replica.
    t.slack.reset();
    await fresh.command(PEOPLE.engineer, 'guest 1h');
    await tokenFor(PEOPLE.engineer, 0);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.slack.callsTo('views.publish')).toHaveLength(0);
    // Once opened there, it is followed.
    await fresh.event(appHomeOpenedEvent(PEOPLE.engineer));
    await t.slack.waitFor(() => t.slack.callsTo('views.publish').length === 1, 15_000);
    await fresh.command(PEOPLE.engineer, 'guest 1h');
    await t.slack.waitFor(() => t.slack.callsTo('views.publish').length === 2, 15_000);
  } finally {
    await fresh.stop();
  }
});
