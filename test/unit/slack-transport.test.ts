// The fetch the bot gives the Slack clients, against a local HTTP server and through the real Web
// API client: what is sent, what is read back, redirects refused, connections kept alive, calls
// bounded in time.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import { slackTransport } from '../../src/slack/transport';

const slackFetch = (opts?: { timeoutMs?: number }) => slackTransport(opts).fetch;

let server: http.Server;
let base: string;
let connections = 0;
const seen: Array<{ method: string; path: string; type?: string; authorization?: string; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, type: req.headers['content-type'], authorization: req.headers.authorization, body });
      if (req.url === '/moved') return res.writeHead(302, { location: 'https://elsewhere.example/' }).end();
      if (req.url === '/gone') return res.writeHead(404).end('no such response_url');
      if (req.url === '/hangs') return;
      res.writeHead(200, { 'content-type': 'application/json', 'x-oauth-scopes': 'chat:write, im:write' }).end(JSON.stringify({ ok: true, channel: 'D1', ts: '1.2' }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
});

test('the Web API client sends its form and reads the answer and its headers', async () => {
  const client = new WebClient('xoxb-test', { slackApiUrl: `${base}/api/`, fetch: slackFetch(), retryConfig: { retries: 0 } });
  const answer = await client.chat.postMessage({ channel: 'D1', text: 'hello', blocks: [{ type: 'divider' }] });
  expect(answer).toMatchObject({ ok: true, channel: 'D1', ts: '1.2', response_metadata: { scopes: ['chat:write', 'im:write'] } });
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({ method: 'POST', path: '/api/chat.postMessage', type: 'application/x-www-form-urlencoded', authorization: 'Bearer xoxb-test' });
  expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toEqual({ channel: 'D1', text: 'hello', blocks: '[{"type":"divider"}]' });
});

test('what a response_url answers is seen as fetch would show it', async () => {
  const post = slackFetch();
  const ok = await post(`${base}/hooks/1`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"text":"hi"}' });
  expect([ok.ok, ok.status, ok.headers.get('Content-Type'), await ok.json()]).toEqual([true, 200, 'application/json', { ok: true, channel: 'D1', ts: '1.2' }]);
  expect(seen[0]).toMatchObject({ type: 'application/json', body: '{"text":"hi"}' });
  const gone = await post(`${base}/gone`, { method: 'POST', body: '{}' });
  expect([gone.ok, gone.status, await gone.text()]).toEqual([false, 404, 'no such response_url']);
});

test('a redirect is refused when the caller says so, as the Web API client does', async () => {
  const err = await slackFetch()(`${base}/moved`, { method: 'POST', body: '', redirect: 'error' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TypeError);
  expect(seen.map((r) => r.path)).toEqual(['/moved']);
});

test('calls share kept-alive connections', async () => {
  const post = slackFetch();
  const before = connections;
  for (let i = 0; i < 20; i++) await (await post(`${base}/hooks/${i}`, { method: 'POST', body: '{}' })).text();
  // (A call may start as the one before it is still being closed off, on a second connection.)
  expect(connections - before).toBeLessThanOrEqual(2);
});

test('a call without a signal of its own ends after the timeout', async () => {
  const started = Date.now();
  const err = await slackFetch({ timeoutMs: 200 })(`${base}/hangs`, { method: 'POST', body: '{}' }).catch((e: unknown) => e);
  expect((err as { cause?: { code?: string } }).cause?.code).toBe('UND_ERR_HEADERS_TIMEOUT');
  expect(Date.now() - started).toBeLessThan(5_000);
});
