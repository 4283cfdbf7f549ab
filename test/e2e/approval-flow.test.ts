// Approvals end to end: signed block_actions and view_submission payloads into the real
// receiver, request state on the real hub, one token per approved request across replicas.
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, hubRequest } from '../support/hub';
import { answerAt as answer, buttonValue, grantSecrets, movableClock, PEOPLE, startTestBot, testPolicy, tokenIn, type TestBot } from '../support/bot';
import { blockActionPayload, viewSubmissionPayload } from '../support/slack-requests';

/** Sends a click; the answer is read with `answer(bot, responseId)`. */
function click(bot: TestBot, userId: string, actionId: string, requestId: string, responseId = `click-${Math.random()}`) {
  return bot.interact(blockActionPayload({ userId, actionId, value: requestId, responseUrl: bot.slack.responseUrl(responseId) }));
}

const clock = movableClock();
let a: TestBot;
const issued: string[] = [];

beforeAll(async () => {
  a = await startTestBot({ clock, policy: undefined });
});
afterAll(async () => {
  const logs = a.logs.join('\n');
  for (const token of issued) expect(logs).not.toContain(token);
  await a.stop();
});
beforeEach(() => a.slack.reset());

/** Asks for admin inline and returns the request id from an approver's card. */
async function openRequest(bot: TestBot, requester = PEOPLE.platformAdmin, text = 'admin 1h -- incident 4711'): Promise<string> {
  const seen = bot.slack.messages.length;
  const sent = await bot.command(requester, text);
  const card = await bot.slack.waitFor(() => bot.slack.messages.slice(seen).find((m) => m.method === 'chat.postMessage' && m.channel === `D${PEOPLE.approver}` && buttonValue(m, 'request_approve')), 15_000);
  const id = sent.responseUrl.split('/').pop();
  const pending = await bot.slack.waitFor(() => bot.slack.responses.find((r) => r.id === id), 15_000);
  expect(JSON.stringify(pending.body)).toMatch(/waiting for approval/);
  expect(JSON.stringify(pending.body.blocks)).toContain('request_cancel');
  return buttonValue(card, 'request_approve')!;
}

const tokensTo = (bot: TestBot, userId: string) => bot.slack.messages.filter((m) => m.method === 'chat.postEphemeral' && m.user === userId && tokenIn(m));

async function requestSecret(bot: TestBot, id: string) {
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  return core.readNamespacedSecret({ namespace: bot.namespace, name: `karpor-request-${id}` });
}

/** The request's state on the hub once it stops changing towards `want` (delivery runs after the DM). */
async function settledState(bot: TestBot, id: string, want: string): Promise<string | undefined> {
  let state: string | undefined;
  for (let i = 0; i < 50; i++) {
    state = (await requestSecret(bot, id)).metadata?.labels?.['karpor.io/state'];
    if (state === want) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return state;
}

test('approve: the requester gets an admin token that works, the card says who approved', async () => {
  const id = await openRequest(a);
  const card = a.slack.messages.find((m) => m.channel === `D${PEOPLE.approver}`)!;
  expect(JSON.stringify(card.blocks)).toContain('incident 4711');
  expect((await click(a, PEOPLE.approver, 'request_approve', id, 'ok-approve')).status).toBe(200);
  expect(await answer(a, 'ok-approve')).toMatch(/Approved/);
  const dm = await a.slack.waitFor(() => tokensTo(a, PEOPLE.platformAdmin)[0], 15_000);
  const token = tokenIn(dm)!;
  issued.push(token);
  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
  expect(await hubRequest(token, 'POST', '/rest-api/v1/cluster/x')).toBe(404);
  const update = await a.slack.waitFor(() => a.slack.calls.find((c) => c.method === 'chat.update' && JSON.stringify(c.args.blocks).includes('Approved')), 15_000);
  expect(JSON.stringify(update.args.blocks)).toMatch(new RegExp(`Approved\\* by <@${PEOPLE.approver}>`));
  expect(JSON.stringify(update.args.blocks)).not.toContain('request_approve');
  await a.slack.waitFor(() => a.slack.messages.find((m) => m.method === 'chat.postMessage' && m.channel === `D${PEOPLE.platformAdmin}` && /approved your request/.test(m.text ?? '')), 15_000);
  expect(await settledState(a, id, 'delivered')).toBe('delivered');
  const secret = await requestSecret(a, id);
  expect(JSON.stringify(secret)).not.toContain(token);
});

test('deny asks for a reason, the requester gets it and the card shows it; no token', async () => {
  const id = await openRequest(a);
  await click(a, PEOPLE.approver, 'request_deny', id);
  const modal = await a.slack.waitFor(() => a.slack.views.find((v) => v.view.callback_id === 'deny_reason'), 15_000);
  const res = await a.interact(
    viewSubmissionPayload({ userId: PEOPLE.approver, callbackId: 'deny_reason', privateMetadata: modal.view.private_metadata, values: { reason: { reason_input: { type: 'plain_text_input', value: 'use guest for this' } } } }),
  );
  expect(res.status).toBe(200);
  await a.slack.waitFor(() => a.slack.messages.find((m) => m.channel === `D${PEOPLE.platformAdmin}` && /denied your request.*use guest for this/.test(m.text ?? '')), 15_000);
  const update = await a.slack.waitFor(() => a.slack.calls.find((c) => c.method === 'chat.update' && JSON.stringify(c.args.blocks).includes('Denied')), 15_000);
  expect(JSON.stringify(update.args.blocks)).toContain('use guest for this');
  expect(tokensTo(a, PEOPLE.platformAdmin)).toHaveLength(0);
  expect((await requestSecret(a, id)).metadata?.labels?.['karpor.io/state']).toBe('denied');
});

test('a non-approver and the requester cannot approve; an approval after expiry is refused', async () => {
  const id = await openRequest(a);
  await click(a, PEOPLE.engineer, 'request_approve', id, 'not-approver');
  expect(await answer(a, 'not-approver')).toMatch(/Only members of the approver groups/);
  await click(a, PEOPLE.platformAdmin, 'request_approve', id, 'self');
  expect(await answer(a, 'self')).toMatch(/cannot approve your own request/);
  clock.advance(31 * 60_000);
  try {
    await click(a, PEOPLE.approver, 'request_approve', id, 'late');
    expect(await answer(a, 'late')).toMatch(/expired/);
  } finally {
    clock.advance(-31 * 60_000);
  }
  expect(tokensTo(a, PEOPLE.platformAdmin)).toHaveLength(0);
  expect((await requestSecret(a, id)).metadata?.labels?.['karpor.io/state']).toBe('pending');
});

test('an approver who is also a requester cannot approve their own request', async () => {
  const selfish = await startTestBot({
    namespace: a.namespace,
    policy: testPolicy(`${a.prefix}-s`, {
      roles: { admin: { clusterRole: 'karpor-admin', groups: ['karpor-approvers'], approval: { groups: ['karpor-approvers'] } } },
    }),
  });
  try {
    const sent = await selfish.command(PEOPLE.approver, 'admin 1h -- mine');
    const card = await selfish.slack.waitFor(() => selfish.slack.messages.find((m) => m.channel === `D${PEOPLE.approver2}` && buttonValue(m, 'request_approve')), 15_000);
    expect(selfish.slack.messages.some((m) => m.channel === `D${PEOPLE.approver}` && buttonValue(m, 'request_approve'))).toBe(false);
    expect(sent.status).toBe(200);
    await click(selfish, PEOPLE.approver, 'request_approve', buttonValue(card, 'request_approve')!, 'own');
    expect(await answer(selfish, 'own')).toMatch(/cannot approve your own request/);
  } finally {
    await selfish.stop();
  }
});

test('the requester can cancel; later clicks are told it was cancelled', async () => {
  const id = await openRequest(a);
  await click(a, PEOPLE.platformAdmin, 'request_cancel', id, 'cancel');
  expect(await answer(a, 'cancel')).toMatch(/cancelled/);
  await click(a, PEOPLE.approver, 'request_approve', id, 'after-cancel');
  expect(await answer(a, 'after-cancel')).toMatch(new RegExp(`already cancelled by <@${PEOPLE.platformAdmin}>`));
});

test('20 concurrent approvals from 2 approvers across 2 replicas, and a duplicated click: one token', async () => {
  const b = await startTestBot({ namespace: a.namespace, prefix: a.prefix, slack: a.slack, clock });
  try {
    const id = await openRequest(a);
    const clicks = Array.from({ length: 20 }, (_, i) => click(i % 2 ? b : a, i % 4 < 2 ? PEOPLE.approver : PEOPLE.approver2, 'request_approve', id, `race-${i}`));
    const results = await Promise.all(clicks);
    expect(results.every((r) => r.status === 200)).toBe(true);
    const answers = await Promise.all(results.map((_, i) => answer(a, `race-${i}`)));
    expect(answers.filter((t) => /^Approved/.test(t))).toHaveLength(1);
    expect(answers.filter((t) => /already approved by <@U0APPROV/.test(t))).toHaveLength(19);
    await a.slack.waitFor(() => tokensTo(a, PEOPLE.platformAdmin)[0], 15_000);
    // The same click delivered again by Slack changes nothing.
    await click(b, PEOPLE.approver, 'request_approve', id, 'again');
    expect(await answer(a, 'again')).toMatch(/already approved/);
    await new Promise((r) => setTimeout(r, 500));
    const tokens = tokensTo(a, PEOPLE.platformAdmin);
    expect(tokens).toHaveLength(1);
    issued.push(tokenIn(tokens[0]!)!);
    const grants = await grantSecrets(a.namespace);
    expect(grants.filter((g) => g.metadata?.annotations?.['karpor.io/request'] === id)).toHaveLength(1);
  } finally {
    await b.stop();
  }
});

test('a second replica completes a request the first created; a restarted bot expires overdue ones', async () => {
  const id = await openRequest(a);
  const b = await startTestBot({ namespace: a.namespace, prefix: a.prefix, slack: a.slack, clock });
  try {
    await click(b, PEOPLE.approver2, 'request_approve', id, 'on-b');
    expect(await answer(a, 'on-b')).toMatch(/Approved/);
    const dm = await a.slack.waitFor(() => tokensTo(a, PEOPLE.platformAdmin)[0], 15_000);
    issued.push(tokenIn(dm)!);
    expect(await settledState(a, id, 'delivered')).toBe('delivered');

    const overdue = await openRequest(a);
    clock.advance(31 * 60_000);
    try {
      await b.bot.housekeeping.run();
    } finally {
      clock.advance(-31 * 60_000);
    }
    expect((await requestSecret(a, overdue)).metadata?.labels?.['karpor.io/state']).toBe('expired');
    await a.slack.waitFor(() => a.slack.messages.find((m) => m.channel === `D${PEOPLE.platformAdmin}` && /expired .* without a decision/.test(m.text ?? '')), 15_000);
  } finally {
    await b.stop();
  }
});

test('admin without an inline reason opens the reason modal; its submission opens the request', async () => {
  await a.command(PEOPLE.platformAdmin, 'admin 2h');
  const modal = await a.slack.waitFor(() => a.slack.views.find((v) => v.view.callback_id === 'request_reason'), 15_000);
  const empty = await a.interact(viewSubmissionPayload({ userId: PEOPLE.platformAdmin, callbackId: 'request_reason', privateMetadata: modal.view.private_metadata, values: { reason: { reason_input: { type: 'plain_text_input', value: '  ' } } } }));
  expect(JSON.parse(empty.body)).toMatchObject({ response_action: 'errors' });
  // A forged duration in the metadata is checked against the policy again.
  const forged = await a.interact(viewSubmissionPayload({ userId: PEOPLE.platformAdmin, callbackId: 'request_reason', privateMetadata: JSON.stringify({ role: 'admin', seconds: 99 * 3600 }), values: { reason: { reason_input: { type: 'plain_text_input', value: 'x' } } } }));
  expect(forged.status).toBe(200);
  await a.slack.waitFor(() => a.slack.messages.find((m) => m.channel === `D${PEOPLE.platformAdmin}` && /at most 4h/.test(m.text ?? '')), 15_000);
  await a.interact(viewSubmissionPayload({ userId: PEOPLE.platformAdmin, callbackId: 'request_reason', privateMetadata: modal.view.private_metadata, values: { reason: { reason_input: { type: 'plain_text_input', value: 'deploy freeze' } } } }));
  const card = await a.slack.waitFor(() => a.slack.messages.find((m) => m.channel === `D${PEOPLE.approver}` && buttonValue(m, 'request_approve')), 15_000);
  expect(JSON.stringify(card.blocks)).toContain('deploy freeze');
  expect(JSON.stringify(card.blocks)).toContain('*2h*');
});

test('with an approvals channel, the card goes there (not to DMs) and is decided there', async () => {
  const channel = await startTestBot({ namespace: a.namespace, clock, policy: testPolicy(`${a.prefix}-c`, { approvalsChannel: 'C0APPROVALS' }) });
  try {
    await channel.command(PEOPLE.platformAdmin, 'admin 1h -- channel test');
    const card = await channel.slack.waitFor(() => channel.slack.messages.find((m) => m.channel === 'C0APPROVALS' && buttonValue(m, 'request_approve')), 15_000);
    expect(channel.slack.messages.filter((m) => m.channel.startsWith('D') && buttonValue(m, 'request_approve'))).toHaveLength(0);
    await click(channel, PEOPLE.approver, 'request_approve', buttonValue(card, 'request_approve')!, 'in-channel');
    expect(await answer(channel, 'in-channel')).toMatch(/Approved/);
    const dm = await channel.slack.waitFor(() => tokensTo(channel, PEOPLE.platformAdmin)[0], 15_000);
    issued.push(tokenIn(dm)!);
    const update = await channel.slack.waitFor(() => channel.slack.calls.find((c) => c.method === 'chat.update' && c.args.channel === 'C0APPROVALS' && JSON.stringify(c.args.blocks).includes('Approved')), 15_000);
    expect(JSON.stringify(update.args)).not.toContain(tokenIn(dm)!);
  } finally {
    await channel.stop();
  }
});
