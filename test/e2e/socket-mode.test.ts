// Socket Mode end to end: the real bot gets a WebSocket URL from apps.connections.open on the fake
// Web API (with its app-level token), connects to the fake Socket Mode endpoint, and takes slash
// commands, clicks and modal submissions as envelopes that it acks on the socket; tokens come from
// the real hub. Health and metrics stay on the bot's HTTP port.
import * as http from 'node:http';
import type { FakeSocketMode } from '../fakes/socket-mode';
import type { RecordedCall } from '../fakes/slack-api';
import { hubRequest, loginAfterRevocation } from '../support/hub';
import { answerAt, APP_TOKEN, buttonValue, PEOPLE, SIGNING_SECRET, startTestBot, tokenIn, type TestBot } from '../support/bot';
import { appHomeOpenedEvent, blockActionPayload, postSigned, slashCommandBody, viewSubmissionPayload } from '../support/slack-requests';

function get(base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(new URL(path, base), { agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

let t: TestBot;
let socket: FakeSocketMode;
let base: string;
let connects: RecordedCall[];
const issued: string[] = [];

beforeAll(async () => {
  t = await startTestBot({ mode: 'socket' });
  socket = t.socket!;
  base = t.url.replace('/slack/events', '');
  connects = t.slack.callsTo('apps.connections.open');
});
afterAll(async () => {
  const logs = t.logs.join('\n');
  for (const token of [...issued, APP_TOKEN]) expect(logs).not.toContain(token);
  expect(socket.stray).toEqual([]);
  await t.stop();
});
beforeEach(() => t.slack.reset());

/** A slash command as the payload of a `slash_commands` envelope: the same fields Slack POSTs in HTTP mode. */
function commandPayload(userId: string, text: string, responseId: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(slashCommandBody({ userId, text, responseUrl: t.slack.responseUrl(responseId) })));
}

async function tokenDm(userId: string) {
  const dm = await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postEphemeral' && m.user === userId && tokenIn(m)), 15_000);
  issued.push(tokenIn(dm)!);
  return { dm, token: tokenIn(dm)! };
}

test('the bot connects with its app-level token, gets hello, and answers pings', async () => {
  expect(connects).toHaveLength(1);
  expect(connects[0]).toMatchObject({ token: 'ok', status: 200 });
  expect(connects[0]!.error).toBeUndefined();
  expect(socket.openCount()).toBe(1);
  const conn = socket.connections[0]!;

  const pongs = conn.pongsFromApp;
  socket.ping();
  await t.slack.waitFor(() => conn.pongsFromApp > pongs);
  // The client checks on Slack too: it pings every clientPingTimeout / 3.
  await t.slack.waitFor(() => conn.pingsFromApp > 0, 5_000);
});

test('/karpor-token guest 1h: acked on the socket at once, the token by ephemeral DM works on the hub', async () => {
  const ack = await socket.sendSlashCommand(commandPayload(PEOPLE.engineer, 'guest 1h', 'sm-guest'));
  const postedBeforeAck = t.slack.messages.length;
  // A bare ack(): the answer goes through respond(), not into the ack.
  expect(ack.payload).toEqual({});
  expect(ack.ms).toBeLessThan(1_000);
  expect(postedBeforeAck).toBe(0);

  const { dm, token } = await tokenDm(PEOPLE.engineer);
  expect(dm.channel).toBe(`D${PEOPLE.engineer}`);
  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
  expect(await hubRequest(token, 'POST', '/rest-api/v1/cluster/x')).toBe(403);
  expect(await answerAt(t, 'sm-guest')).toMatch(/`guest` token is in your DM/);
  expect(JSON.stringify(t.slack.responses)).not.toContain(token);
});

test('health, readiness and metrics answer on the port bot.start() returned; Slack requests over HTTP do not', async () => {
  expect(Number(new URL(base).port)).toBeGreaterThan(0);
  expect(await get(base, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
  const ready = await get(base, '/readyz');
  expect(ready.status).toBe(200);
  expect(JSON.parse(ready.body)).toEqual({ started: true, accepting: true, slack: true });
  const metrics = await get(base, '/metrics');
  expect(metrics.status).toBe(200);
  expect(metrics.body).toMatch(/^karpor_token_bot_tokens_issued_total\{role="guest"\} [1-9]/m);

  const signed = await postSigned(t.url, SIGNING_SECRET, slashCommandBody({ userId: PEOPLE.engineer, text: 'guest', responseUrl: t.slack.responseUrl('sm-http') }));
  expect(signed.status).toBe(404);
  await new Promise((r) => setTimeout(r, 200));
  expect(t.slack.messages).toHaveLength(0);
});

test('a button click arrives as an interactive envelope: "Revoke now" from the grant card', async () => {
  await socket.sendSlashCommand(commandPayload(PEOPLE.engineer, 'guest 1h', 'sm-revoke-cmd'));
  const { token } = await tokenDm(PEOPLE.engineer);
  const card = await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.engineer}` && buttonValue(m, 'grant_revoke')), 15_000);
  const grantId = buttonValue(card, 'grant_revoke')!;

  const ack = await socket.sendInteractive(blockActionPayload({ userId: PEOPLE.engineer, actionId: 'grant_revoke', value: grantId, responseUrl: t.slack.responseUrl('sm-revoke') }));
  expect(ack.payload).toEqual({});
  expect(ack.ms).toBeLessThan(1_000);
  expect(await answerAt(t, 'sm-revoke')).toMatch(/Revoked grant/);
  expect(await loginAfterRevocation(token)).toBe(401);
});

test('a modal submission is answered inside its ack: field errors for an empty reason, then the request opens', async () => {
  await socket.sendSlashCommand(commandPayload(PEOPLE.platformAdmin, 'admin 2h', 'sm-admin'));
  const modal = await t.slack.waitFor(() => t.slack.views.find((v) => v.view.callback_id === 'request_reason'), 15_000);
  const submit = (reason: string) =>
    socket.sendInteractive(
      viewSubmissionPayload({ userId: PEOPLE.platformAdmin, callbackId: 'request_reason', privateMetadata: modal.view.private_metadata, values: { reason: { reason_input: { type: 'plain_text_input', value: reason } } } }),
    );

  const empty = await submit('  ');
  expect(empty.payload).toMatchObject({ response_action: 'errors', errors: { reason: expect.any(String) } });
  const filled = await submit('socket mode check');
  expect(filled.payload).toEqual({});
  const card = await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.approver}` && buttonValue(m, 'request_approve')), 15_000);
  expect(JSON.stringify(card.blocks)).toContain('socket mode check');
});

test('app_home_opened arrives as an events_api envelope and the Home tab is published', async () => {
  // Someone nothing else in this file touches, so only opening the tab can publish it.
  await t.event(appHomeOpenedEvent(PEOPLE.outsider));
  const home = await t.slack.waitFor(() => t.slack.homes.get(PEOPLE.outsider), 15_000);
  expect(JSON.stringify(home.blocks)).toContain('You may not request any Karpor role');
});

test('when Slack asks it to reconnect, the bot gets a fresh URL, reconnects and keeps working', async () => {
  const first = socket.connections.at(-1)!;
  socket.requestDisconnect('refresh_requested');
  await t.slack.waitFor(() => first.closedAt, 5_000);
  expect(first.closeCode).toBe(1000);
  // The client waits clientPingTimeout (5 s) before it reconnects.
  await socket.waitForConnections(1, 15_000);
  const second = socket.connections.at(-1)!;
  expect(second.id).not.toBe(first.id);
  expect(second.ticket).not.toBe(first.ticket);
  expect(t.slack.callsTo('apps.connections.open')).toHaveLength(1);

  const ack = await socket.sendSlashCommand(commandPayload(PEOPLE.engineer, 'guest 1h', 'sm-after-reconnect'));
  expect(ack.connection).toBe(second.id);
  const { token } = await tokenDm(PEOPLE.engineer);
  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
}, 30_000);

test('stop() returns once the socket is closed normally, and the HTTP port is closed too', async () => {
  const b = await startTestBot({ mode: 'socket', namespace: t.namespace });
  const bSocket = b.socket!;
  try {
    const bBase = b.url.replace('/slack/events', '');
    expect((await get(bBase, '/healthz')).status).toBe(200);
    const conn = bSocket.connections[0]!;
    await b.bot.stop();
    // Once stop() resolves the close handshake is over: were the connection cut right then (the
    // process exits after stop()), Slack has still seen a normal close.
    bSocket.cut();
    await bSocket.waitForNoConnection(1_000);
    expect(conn.closeCode).toBe(1000);
    await expect(get(bBase, '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  } finally {
    await bSocket.stop();
    await b.slack.stop();
  }
});
