// A slash command's ack does not wait for the bot's main thread: with that thread busy (here,
// blocked outright), the command is still acknowledged within Slack's 3 seconds and then served.
import * as http from 'node:http';
import * as net from 'node:net';
import { Worker } from 'node:worker_threads';
import { AckThread, IDLE_CONNECTION_MS } from '../../src/slack/ack-thread';
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

/**
 * Slack's side, on a thread of its own: sends one signed request when told to go (right before
 * this thread blocks) and reports how long the answer took.
 */
async function clientThread(url: string, body: string, signed = body): Promise<{ go(): void; answered: Promise<{ status: number; ms: number }> }> {
  const headers = { ...signRequest(SIGNING_SECRET, signed), 'content-length': String(Buffer.byteLength(body)) };
  const client = new Worker(
    `const http = require('node:http');
     const { parentPort, workerData } = require('node:worker_threads');
     parentPort.once('message', () => {
       const started = process.hrtime.bigint();
       const req = http.request(workerData.url, { method: 'POST', headers: workerData.headers, agent: false }, (res) => {
         const ms = Number(process.hrtime.bigint() - started) / 1e6;
         res.resume();
         res.on('end', () => parentPort.postMessage({ kind: 'answered', status: res.statusCode, ms }));
       });
       req.on('error', (err) => parentPort.postMessage({ kind: 'failed', message: err.message }));
       req.end(workerData.body);
     });
     parentPort.postMessage({ kind: 'ready' });`,
    { eval: true, workerData: { url, headers, body } },
  );
  const next = (kind: string) =>
    new Promise<any>((resolve, reject) => {
      client.on('message', (m: { kind: string; message?: string }) => (m.kind === kind ? resolve(m) : m.kind === 'failed' && reject(new Error(m.message))));
      client.on('error', reject);
    });
  const answered = next('answered').finally(() => void client.terminate());
  await next('ready');
  return { go: () => client.postMessage('go'), answered };
}

/** Keeps this thread, the bot's event loop included, from doing anything else. */
function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

test('a command is acknowledged while the main thread is blocked, then served', async () => {
  const responseUrl = t.slack.responseUrl(`blocked-${Date.now()}`);
  const body = slashCommandBody({ userId: PEOPLE.engineer, text: 'guest', responseUrl });
  const client = await clientThread(t.url, body);
  client.go();
  blockFor(2_000);
  const ack = await client.answered;
  expect(ack.status).toBe(200);
  expect(ack.ms).toBeLessThan(1_000);
  expect(await answerTo(t, responseUrl)).toMatch(/token is in your DM/);
  expect(t.slack.messages.filter((m) => m.method === 'chat.postEphemeral' && m.user === PEOPLE.engineer && tokenIn(m))).toHaveLength(1);
});

test('a request that is not a signed slash command is still answered by the main thread', async () => {
  const body = slashCommandBody({ userId: PEOPLE.engineer, text: 'guest', responseUrl: t.slack.responseUrl(`forged-${Date.now()}`) });
  const forged = await clientThread(t.url, body.replace('guest', 'admin'), body);
  forged.go();
  blockFor(1_000);
  const answer = await forged.answered;
  // The signature no longer matches: the main thread's receiver refuses it, once it can run.
  expect(answer.status).toBe(401);
  expect(answer.ms).toBeGreaterThanOrEqual(900);
});

test('a port already in use fails the start, naming the port', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  const failures: string[] = [];
  const started = AckThread.start({ port, host: '127.0.0.1', internalPort: 1, signingSecret: SIGNING_SECRET, onCommand: () => undefined, onWarning: () => undefined, onFailure: (m) => void failures.push(m) });
  await expect(started).rejects.toThrow(new RegExp(`cannot listen on port ${port}: .*EADDRINUSE`));
  expect(failures).toEqual([]);
  taken.close();
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
