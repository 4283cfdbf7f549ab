// The public port as Slack and the proxies in front of the bot meet it: a command acknowledged
// right before a stop is still served, idle connections outlive the proxies' own timeouts, slow
// clients are cut off in seconds, and a port in use fails the start.
import * as http from 'node:http';
import * as net from 'node:net';
import { IDLE_CONNECTION_MS } from '../../src/ingress/http';
import { PEOPLE, SIGNING_SECRET, startTestBot, tokenIn, type TestBot } from '../support/bot';
import { signRequest, slashCommandBody } from '../support/slack-requests';
import { answerTo, expectNoTokenLeaks, say } from '../faults/helpers';

let t: TestBot;

beforeAll(async () => {
  t = await startTestBot();
  // The person's first command (their DM channel gets known) is not what is measured.
  await say(t, PEOPLE.engineer, 'help');
});
afterAll(async () => {
  await expectNoTokenLeaks(t);
  await t.stop();
});

test('a port already in use fails the start, naming the port', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    await expect(startTestBot({ namespace: t.namespace, port, slack: t.slack })).rejects.toThrow(new RegExp(`EADDRINUSE.*:${port}`));
  } finally {
    taken.close();
  }
});

test('a command acknowledged right before stop() is still served before the bot stops', async () => {
  const stopping = await startTestBot({ namespace: t.namespace });
  await say(stopping, PEOPLE.engineer, 'help');
  stopping.slack.reset();
  const sent = await stopping.command(PEOPLE.engineer, 'guest');
  expect(sent.status).toBe(200);
  await stopping.stop();
  expect(stopping.slack.messages.filter((m) => m.method === 'chat.postEphemeral' && tokenIn(m))).toHaveLength(1);
  expect(await answerTo(stopping, sent.responseUrl, 1_000)).toMatch(/token is in your DM/);
});

test('an idle keep-alive connection is kept past Node\'s 5 s, for the proxies in front to close first', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (text: string) =>
    new Promise<{ status: number; reused: boolean; keepAlive: string }>((resolve, reject) => {
      const body = slashCommandBody({ userId: PEOPLE.engineer, text, responseUrl: t.slack.responseUrl(`idle-${text}-${Date.now()}`) });
      const req = http.request(t.url, { method: 'POST', agent, headers: { ...signRequest(SIGNING_SECRET, body), 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, reused: req.reusedSocket, keepAlive: String(res.headers['keep-alive']) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  try {
    const first = await send('help');
    expect(first).toEqual({ status: 200, reused: false, keepAlive: `timeout=${IDLE_CONNECTION_MS / 1000}` });
    await new Promise((r) => setTimeout(r, 5_500));
    expect(await send('status')).toMatchObject({ status: 200, reused: true });
  } finally {
    agent.destroy();
  }
});

test('a client that never finishes its request headers is cut off in seconds, not Node\'s 300', async () => {
  const { port } = new URL(t.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write('POST /slack/events HTTP/1.1\r\nHost: bot\r\ncontent-type: application/x-www-form-urlencoded\r\n');
  let answer = '';
  socket.on('data', (chunk: Buffer) => void (answer += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const started = Date.now();
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(answer).toMatch(/^HTTP\/1\.1 408/);
}, 40_000);
