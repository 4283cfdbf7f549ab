// What reaches the bot from outside: only the exact Slack path reaches Bolt, health and metrics
// can live on a port of their own, readiness asks nothing of the hub, and bodies are bounded
// before anyone parses them.
import * as http from 'node:http';
import * as net from 'node:net';
import { hubServer } from '../support/hub';
import { startHubProxy, type HubProxy } from '../support/hub-proxy';
import { PEOPLE, startTestBot, type TestBot } from '../support/bot';
import { BODY_LIMIT, BUFFERED_LIMIT } from '../../src/slack/receiver';
import { rawPost, say, wait } from './helpers';

let proxy: HubProxy;
let shared: TestBot;
let separate: TestBot;
const base = (b: TestBot) => b.url.replace('/slack/events', '');

beforeAll(async () => {
  proxy = await startHubProxy(hubServer());
  shared = await startTestBot({ hubServer: proxy.server });
  separate = await startTestBot({ hubServer: proxy.server, namespace: shared.namespace, ops: true });
});
afterAll(async () => {
  await shared.stop();
  await separate.stop();
  await proxy.stop();
});

/** A request with its path exactly as given (no client-side normalising). */
function request(url: string, method: string, path: string, body = ''): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('paths', () => {
  const tricks = ['/slack/events/..\\..\\readyz', '/slack/events/..\\..\\metrics', '/slack/events/../../metrics', '/slack/events/%2e%2e/%2e%2e/readyz', '/slack/events/%2E%2E%5C%2E%2E%5Cmetrics', '//readyz', '/readyz/', '/Metrics', '/slack/events/../healthz'];

  test.each(tricks)('GET %s gets 404 and reaches neither /readyz nor /metrics', async (path) => {
    const res = await request(shared.url, 'GET', path);
    expect(res.status).toBe(404);
    expect(res.body).not.toMatch(/karpor_token_bot_|accepting|ok/);
  });

  test.each(['/slack/events/', '/slack/events/../slack/events', '/slack/events\\', '/slack/%65vents', '/slack//events'])('POST %s does not reach Bolt: 404', async (path) => {
    expect((await request(shared.url, 'POST', path, 'command=/karpor-token')).status).toBe(404);
  });

  test('the exact paths still answer', async () => {
    expect((await request(shared.url, 'GET', '/healthz')).status).toBe(200);
    expect((await request(shared.url, 'GET', '/readyz?verbose=1')).status).toBe(200);
    expect((await request(shared.url, 'GET', '/metrics')).body).toMatch(/^karpor_token_bot_build_info/m);
    expect(await say(shared, PEOPLE.engineer, 'help')).toMatch(/karpor-token/);
  });
});

describe('OPS_PORT', () => {
  test('health and metrics are on their own port, and the public port serves only Slack', async () => {
    expect(separate.opsBase).not.toBe(base(separate));
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      expect((await request(base(separate), 'GET', path)).status).toBe(404);
      expect((await request(separate.opsBase, 'GET', path)).status).toBe(200);
    }
    expect((await request(separate.opsBase, 'POST', '/slack/events', 'command=/karpor-token')).status).toBe(404);
    expect(await say(separate, PEOPLE.engineer, 'help')).toMatch(/karpor-token/);
  });
});

describe('readiness', () => {
  const readyz = async (b: TestBot) => {
    const res = await request(b.opsBase, 'GET', '/readyz');
    return { status: res.status, checks: JSON.parse(res.body) as Record<string, boolean> };
  };

  test('50 concurrent /readyz calls make no hub request', async () => {
    await wait(300);
    const before = proxy.seen.length;
    const all = await Promise.all(Array.from({ length: 50 }, () => readyz(shared)));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(all[0]!.checks).toEqual({ started: true, accepting: true, slack: true });
    await wait(200);
    // The identity watches list and re-watch on their own schedule.
    expect(proxy.seen.slice(before).filter((s) => !/^GET \S*\/(serviceaccounts|clusterrolebindings)$/.test(s))).toEqual([]);
  });

  test('a hub outage keeps the pod ready (people get the bot\'s own answer), and the metrics say the hub fails', async () => {
    proxy.fault = () => ({ drop: true });
    try {
      expect(await say(separate, PEOPLE.engineer, 'guest')).toMatch(/hub/i);
      expect(await readyz(separate)).toEqual({ status: 200, checks: { started: true, accepting: true, slack: true } });
      const metrics = (await request(separate.opsBase, 'GET', '/metrics')).body;
      expect(metrics).toMatch(/^karpor_token_bot_hub_request_duration_seconds_count\{[^}]*outcome="(?!ok")[^"]+"[^}]*\} [1-9]/m);
      expect(metrics).toMatch(/^karpor_token_bot_slack_connected 1$/m);
    } finally {
      proxy.fault = undefined;
    }
  });

  test('503 while stopping', async () => {
    const b = await startTestBot({ hubServer: proxy.server, namespace: shared.namespace, ops: true, intervals: { drainMs: 5_000 } });
    proxy.fault = (_m, path) => (path.endsWith('/token') ? { delayMs: 1_500 } : undefined);
    try {
      const sent = b.command(PEOPLE.engineer, 'guest');
      await wait(300);
      const stopped = b.stop();
      await wait(100);
      expect(await readyz(b)).toEqual({ status: 503, checks: { started: true, accepting: false, slack: true } });
      await sent;
      await stopped;
    } finally {
      proxy.fault = undefined;
    }
  });
});

describe('bodies', () => {
  test('a 1 MB unsigned body of nested JSON arrays is refused without being parsed', async () => {
    const depth = (BODY_LIMIT - 1024) / 2;
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const parse = jest.spyOn(JSON, 'parse');
    try {
      for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
        const body = type === 'application/json' ? nested : `payload=${nested}`;
        const res = await rawPost(shared.url, body, { 'content-type': type });
        expect(res.status).toBe(401);
      }
      expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > 10_000)).toEqual([]);
    } finally {
      parse.mockRestore();
    }
  });

  test(`past ${BUFFERED_LIMIT / BODY_LIMIT} MB being read at once, more requests get 503 until the readers go`, async () => {
    const { hostname, port } = new URL(shared.url);
    const slow = BUFFERED_LIMIT / BODY_LIMIT;
    const sockets = await Promise.all(
      Array.from({ length: slow }, () =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect(Number(port), hostname, () => {
            s.write(`POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${BODY_LIMIT}\r\n\r\nfiller=`);
            resolve(s);
          });
          s.on('error', () => undefined);
        }),
      ),
    );
    try {
      await wait(300);
      const refused = await rawPost(shared.url, 'command=%2Fkarpor-token', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(refused.status).toBe(503);
      expect(shared.logs.some((l) => /over \d+ bytes being read already/.test(l))).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await wait(300);
    expect(await say(shared, PEOPLE.engineer, 'help')).toMatch(/karpor-token/);
  });

  test('a client that sends its headers too slowly is cut off within seconds', async () => {
    const { hostname, port } = new URL(shared.url);
    const started = Date.now();
    const closed = await new Promise<number>((resolve) => {
      const s = net.connect(Number(port), hostname, () => s.write('POST /slack/events HTTP/1.1\r\nhost: x\r\n'));
      s.on('error', () => undefined);
      s.on('close', () => resolve(Date.now() - started));
      s.resume();
    });
    expect(closed).toBeLessThan(15_000);
    expect(closed).toBeGreaterThanOrEqual(9_000);
  }, 20_000);
});
