// A cluster whose egress goes through a proxy: with HTTPS_PROXY/HTTP_PROXY set, the bot reaches
// Slack's Web API, response_url and the Socket Mode WebSocket through it, and the hub through it
// too unless NO_PROXY names the hub, its watches included.
import { HubClient } from '../../src/hub/client';
import { paths } from '../../src/hub/paths';
import { watchHub } from '../../src/hub/watch-stream';
import { createNamespace, createServiceAccount, hubServer, uniqueName } from '../support/hub';
import { botIdentity, PEOPLE, say, startTestBot, testPolicy, tokenIn } from '../support/bot';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';

let proxy: ConnectProxy;
const saved = { ...process.env };

beforeAll(async () => {
  proxy = await startConnectProxy();
});
afterAll(async () => {
  await proxy.stop();
});
afterEach(() => {
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  proxy.tunnels.length = 0;
});

const hubAddress = () => new URL(hubServer()).host;

/** The bot's namespace and identity on the hub, made before the proxy is set: only the bot's own calls are seen by it. */
async function hubSetup(): Promise<{ namespace: string; prefix: string; kubeconfig: string }> {
  const namespace = await createNamespace(uniqueName('proxy'));
  const prefix = uniqueName('p').slice(0, 12);
  return { namespace, prefix, kubeconfig: await botIdentity(namespace, testPolicy(prefix)) };
}

test('Socket Mode: Web API, the WebSocket and response_url go through the proxy; the hub, in NO_PROXY, does not', async () => {
  const setup = await hubSetup();
  process.env.HTTP_PROXY = proxy.url;
  process.env.HTTPS_PROXY = proxy.url;
  process.env.NO_PROXY = hubAddress();
  const t = await startTestBot({ mode: 'socket', ...setup });
  try {
    expect(await say(t, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
    expect(t.slack.messages.some((m) => m.method === 'chat.postEphemeral' && tokenIn(m))).toBe(true);
    const slackApi = new URL(t.slack.url).host;
    const socketEndpoint = new URL(t.socket!.connectionUrl()).host;
    // apps.connections.open, the DM, the answer through response_url (all on the fake Web API), and the socket.
    expect(proxy.tunnels).toContain(slackApi);
    expect(proxy.tunnels).toContain(socketEndpoint);
    expect(proxy.tunnels).not.toContain(hubAddress());
  } finally {
    await t.stop();
  }
});

test('HTTP mode, no NO_PROXY: the hub is reached through the proxy as well', async () => {
  const setup = await hubSetup();
  process.env.HTTPS_PROXY = proxy.url;
  process.env.HTTP_PROXY = proxy.url;
  delete process.env.NO_PROXY;
  const t = await startTestBot(setup);
  try {
    expect(await say(t, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
    expect(proxy.tunnels).toContain(hubAddress());
    expect(proxy.tunnels).toContain(new URL(t.slack.url).host);
  } finally {
    await t.stop();
  }
});

test('a watch of the hub goes through the proxy, with the client certificate of its kubeconfig', async () => {
  const namespace = await createNamespace(uniqueName('proxyw'));
  await createServiceAccount(namespace, 'watched');
  // A proxy of its own: connections of the earlier tests' clients may still come and go on the shared one.
  const own = await startConnectProxy();
  process.env.HTTPS_PROXY = own.url;
  delete process.env.NO_PROXY;
  const conn = new HubClient({ kind: 'kubeconfig', path: process.env.KARPOR_TEST_HUB_CERT_KUBECONFIG! }, 10_000);
  const events: string[] = [];
  let ended: unknown;
  // No resourceVersion: the hub starts with what is there now, as ADDED events.
  const watch = await watchHub<{ metadata?: { name?: string } }>(conn, paths.serviceAccounts(namespace), { timeoutSeconds: 30 }, (type, o) => events.push(`${type} ${o.metadata?.name}`), (err) => (ended = err));
  try {
    const started = Date.now();
    while (!events.includes('ADDED watched') && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual(['ADDED watched']);
    // The watch was the client's only call, and it was tunnelled.
    expect(own.tunnels).toEqual([hubAddress()]);
  } finally {
    watch.abort();
    conn.reload();
    await own.stop();
  }
  expect(ended).toBeDefined();
});
