// Grants and open requests are read from live copies (watches) of the hub, so that what the hub
// holds does not make `status`, the Home tab or housekeeping cost more: these tests show the copies
// cost no call per read, follow what other replicas do, and come in pages however large.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { HubClient } from '../../src/hub/client';
import { grantSecret } from '../../src/hub/grants';
import { HubRequestStore, requestSecret } from '../../src/hub/requests';
import type { AccessRequest } from '../../src/domain/request';
import { adminKubeConfig, createNamespace, uniqueName } from '../support/hub';
import { startHubProxy, type HubProxy } from '../support/hub-proxy';
import { PEOPLE, say, startTestBot, type TestBot } from '../support/bot';

jest.setTimeout(120_000);

const core = () => adminKubeConfig().makeApiClient(k8s.CoreV1Api);
const listsOfSecrets = (proxy: HubProxy) => proxy.seenWithQuery.filter((s) => /^GET \S*\/secrets(\?|$)/.test(s) && !/[?&]watch=(true|1)/.test(s));
/** Creates `count` Secrets as fast as the hub takes them (16 at a time). */
async function createAll(count: number, secret: (i: number) => k8s.V1Secret): Promise<void> {
  const api = core();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const body = secret(next++);
        await api.createNamespacedSecret({ namespace: body.metadata!.namespace!, body });
      }
    }),
  );
}

const until = async (what: () => Promise<boolean>, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('not within the time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('a bot reads its grants from a copy', () => {
  let t: TestBot;
  let proxy: HubProxy;
  const grants = () => `${t.prefix}-guests`;
  /** A grant as another replica of the bot would make it. */
  const grantOf = (id: string, userId: string) => {
    const now = new Date();
    return grantSecret(grants(), id, { userId, role: 'guest', grantedAt: now }, `${t.prefix}-guest`, new Date(now.getTime() + 3600_000));
  };

  beforeAll(async () => {
    proxy = await startHubProxy(process.env.KARPOR_TEST_HUB_SERVER!);
    t = await startTestBot({ hubServer: proxy.server });
  });
  afterAll(async () => {
    await t.stop();
    await proxy.stop();
  });

  test('status and housekeeping list nothing on the hub once the copies are made', async () => {
    expect(await say(t, PEOPLE.engineer, 'guest 1h')).toMatch(/token is in your DM/);
    proxy.seenWithQuery.length = 0;
    expect(await say(t, PEOPLE.engineer, 'status')).toMatch(/guest/);
    await t.bot.housekeeping.run();
    expect(listsOfSecrets(proxy)).toEqual([]);
  });

  test('a grant another replica made, and then deleted, shows in status and then does not', async () => {
    const id = `other${Date.now().toString(36)}`;
    await core().createNamespacedSecret({ namespace: grants(), body: grantOf(id, PEOPLE.platformAdmin) });
    await until(async () => (await say(t, PEOPLE.platformAdmin, 'status')).includes(id));
    await core().deleteNamespacedSecret({ namespace: grants(), name: `karpor-grant-${id}` });
    await until(async () => !(await say(t, PEOPLE.platformAdmin, 'status')).includes(id));
  });

  test('a grant issued while a new replica is still reading thousands of grants shows in its status at once', async () => {
    await createAll(2_000, (i) => grantOf(`many${String(i).padStart(6, '0')}`, PEOPLE.outsider));
    const grantsIn = (answer: string) => answer.match(/^• `/gm)?.length ?? 0;
    const before = grantsIn(await say(t, PEOPLE.engineer, 'status'));
    // Asked at once: the replica is still reading the 2,000 grants, page by page, when it issues.
    const replica = await startTestBot({ namespace: t.namespace, prefix: t.prefix, slack: t.slack });
    try {
      expect(await say(replica, PEOPLE.engineer, 'guest 1h')).toMatch(/token is in your DM/);
      expect(grantsIn(await say(replica, PEOPLE.engineer, 'status'))).toBe(before + 1);
    } finally {
      await replica.stop();
    }
  });

  test('revoked here: gone from status at once', async () => {
    expect(await say(t, PEOPLE.platformAdmin, 'guest 1h')).toMatch(/token is in your DM/);
    expect(await say(t, PEOPLE.platformAdmin, 'status')).toMatch(/guest/);
    expect(await say(t, PEOPLE.platformAdmin, 'revoke')).toMatch(/Revoked 1 of your grants/);
    expect(await say(t, PEOPLE.platformAdmin, 'status')).toMatch(/You have no active Karpor grants/);
  });
});

describe('the request store keeps the open requests in a copy', () => {
  let namespace: string;
  let conn: HubClient;
  let proxy: HubProxy;
  const stores: HubRequestStore[] = [];
  const store = () => {
    const s = new HubRequestStore(conn, namespace, (err) => {
      throw err;
    });
    s.start();
    stores.push(s);
    return s;
  };
  const request = (id: string, state: AccessRequest['state']): AccessRequest => ({
    id,
    requester: PEOPLE.engineer,
    role: 'admin',
    seconds: 3600,
    state,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 1800_000),
    approvals: [],
    cards: [],
  });

  beforeAll(async () => {
    namespace = await createNamespace(uniqueName('requests'));
    proxy = await startHubProxy(process.env.KARPOR_TEST_HUB_SERVER!);
    // The hub's administrator, through the proxy that counts the requests.
    const admin = adminKubeConfig();
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'proxy', server: proxy.server, skipTLSVerify: true }], users: admin.users, contexts: [{ name: 'proxy', cluster: 'proxy', user: admin.getCurrentUser()!.name }], currentContext: 'proxy' });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'admin-via-proxy-')), 'config');
    fs.writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
    conn = new HubClient({ kind: 'kubeconfig', path: file }, 10_000);
  });
  afterAll(async () => {
    for (const s of stores) s.stop();
    await proxy.stop();
  });

  test('a request decided by another replica leaves the other copy\'s open requests for its finished ones', async () => {
    const [here, there] = [store(), store()];
    const made = await here.create(request('decidedelsewhere', 'pending'));
    await until(async () => (await there.list({ state: 'pending' })).some((r) => r.id === made.id));
    await there.update((await there.get(made.id))!, { ...made, state: 'denied', decidedBy: PEOPLE.approver, decidedAt: new Date() });
    await until(async () => !(await here.list({})).some((r) => r.id === made.id));
    await until(async () => (await here.finished()).some((r) => r.id === made.id));
    expect((await here.finished()).map((r) => [r.id, r.state])).toEqual([[made.id, 'denied']]);
  });

  test('a copy of 1,100 open and 1,100 finished requests is read in pages of 500, and the sweep over the finished ones asks the hub nothing', async () => {
    const fill = (state: AccessRequest['state'], from: number) =>
      createAll(1_100, (i) => {
        const id = `bulk${String(from + i).padStart(6, '0')}`;
        return requestSecret(namespace, { ...request(id, state), decidedAt: new Date() });
      });
    await fill('pending', 0);
    await fill('expired', 1_100);
    proxy.seenWithQuery.length = 0;
    const fresh = store();
    expect((await fresh.list({ state: 'pending' })).filter((r) => r.id.startsWith('bulk'))).toHaveLength(1_100);
    expect((await fresh.finished()).filter((r) => r.id.startsWith('bulk'))).toHaveLength(1_100);
    // 2,201 requests (the one decided above too): five pages, and nothing more for the sweep.
    const lists = listsOfSecrets(proxy);
    expect(lists).toHaveLength(5);
    expect(lists.every((l) => /limit=500/.test(l))).toBe(true);
  });
});
