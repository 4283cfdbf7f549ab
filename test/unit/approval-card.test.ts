// What the approval card says the role allows: read from the hub when the request is made, kept
// with the request (so every redraw says the same), and worded with what differs from Karpor's defaults.
import { KARPOR_DEFAULT_RULES } from '../../src/domain/karpor-defaults';
import { approvalCard } from '../../src/slack/messages/approval';
import { Replies, U, world } from './fakes';

const cardText = (req: Parameters<typeof approvalCard>[0], now: Date) => approvalCard(req, now).blocks.map((b) => ('text' in b && b.text ? (b.text as { text: string }).text : '')).join('\n');

test("the request records what the role's ClusterRole allows, and the card says it", async () => {
  const w = world();
  await w.approvals.request(U.plat, { role: 'admin', seconds: 3600, reason: 'INC-42' }, new Replies().reply);
  const [stored] = await w.store.all();
  expect(w.hub.callsOf('roleRules')).toEqual([{ method: 'roleRules', args: ['karpor-admin'] }]);
  expect(stored!.allows).toMatchObject({ clusterRole: 'karpor-admin', clusters: ['register', 'update', 'delete'], reads: 'everything' });
  const text = cardText(stored!, w.clock.now());
  expect(text).toContain('*It allows* (ClusterRole `karpor-admin`): register, update and delete clusters, edit resource-group rules; read everything');
  expect(text).not.toContain('⚠️');
});

test("a preset changed on the hub is marked on the card", async () => {
  const w = world();
  w.hub.clusterRoles.set('karpor-admin', [KARPOR_DEFAULT_RULES['karpor-admin'][1]!, { verbs: ['get'], apiGroups: [''], resources: ['secrets'] }].map((r) => structuredClone(r)));
  await w.approvals.request(U.plat, { role: 'admin', seconds: 3600, reason: 'INC-42' }, new Replies().reply);
  const [stored] = await w.store.all();
  const text = cardText(stored!, w.clock.now());
  expect(text).toContain('): change nothing; read everything');
  expect(text).toContain("⚠️ also works on the hub's Kubernetes objects: `get` on `secrets`");
  expect(text).toMatch(/⚠️ differs from Karpor's default `karpor-admin`: adds `get` on `secrets`; drops /);
});

test('a role the hub cannot say anything about: the card says to check it', async () => {
  const w = world();
  w.hub.roleRules = async () => {
    throw new Error('the hub answered 403');
  };
  await w.approvals.request(U.plat, { role: 'admin', seconds: 3600, reason: 'INC-42' }, new Replies().reply);
  const [stored] = await w.store.all();
  expect(stored!.allows).toBeNull();
  expect(cardText(stored!, w.clock.now())).toContain('⚠️ What the role allows could not be read from the hub: check its ClusterRole before approving.');
});

test('a request stored before cards said what the role allows shows no such line', () => {
  const w = world();
  const now = w.clock.now();
  const text = cardText({ id: 'r1', requester: U.plat, role: 'admin', seconds: 3600, state: 'pending', createdAt: now, expiresAt: new Date(now.getTime() + 60_000), approvals: [], cards: [] }, now);
  expect(text).not.toMatch(/allows/);
});
