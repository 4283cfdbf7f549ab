// A cluster whose egress goes through a proxy: with HTTPS_PROXY/HTTP_PROXY set, the bot reaches
// Slack's Web API, response_url and the Socket Mode WebSocket through it, and the hub through it
// too unless NO_PROXY names the hub.
import { createNamespace, hubServer, uniqueName } from '../support/hub';
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
