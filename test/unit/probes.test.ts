import { HubError } from '../../src/domain/errors';
import type { RoleRule } from '../../src/domain/karpor-defaults';
import { gatherHubFacts, proveToken, type ProbeHttp } from '../../src/hub/probes';
import { samplePolicy } from './fakes';

type Answer = { status: number; json?: unknown } | Error;

/** A hub that answers from tables and records what it was asked. */
class TableHub implements ProbeHttp {
  readonly asked: { path: string; bearer: string | null }[] = [];
  readonly tokenRequests: { namespace: string; serviceAccount: string; seconds: number }[] = [];
  constructor(
    private readonly answers: Record<string, Answer>,
    private readonly roles: Record<string, RoleRule[] | Error> = {},
    private readonly grantSeconds: (asked: number) => number | Error = (s) => s,
  ) {}
  async present(path: string, bearer: string | null): Promise<{ status: number; json?: unknown }> {
    this.asked.push({ path, bearer });
    const a = this.answers[path] ?? { status: 404 };
    if (a instanceof Error) throw a;
    return a;
  }
  async tokenRequest(namespace: string, serviceAccount: string, seconds: number): Promise<{ expirationTimestamp: Date }> {
    this.tokenRequests.push({ namespace, serviceAccount, seconds });
    const granted = this.grantSeconds(seconds);
    if (granted instanceof Error) throw granted;
    return { expirationTimestamp: new Date(Date.now() + granted * 1000) };
  }
  async clusterRole(name: string): Promise<RoleRule[] | undefined> {
    const r = this.roles[name];
    if (r instanceof Error) throw r;
    return r;
  }
}

const account = { namespace: 'karpor-bot', serviceAccount: 'karpor-token-probe' };
const GUEST_RULES: RoleRule[] = [{ verbs: ['get'], nonResourceURLs: ['/rest-api/*'] }];

test.each<[string, Answer, boolean | undefined]>([
  ['Karpor with RBAC on', { status: 200, json: { CoreOptions: { EnableRBAC: true, ReadOnlyMode: false }, Version: 'v0.6.4' } }, true],
  ['Karpor with RBAC off', { status: 200, json: { CoreOptions: { EnableRBAC: false } } }, false],
  ['an answer without the flag', { status: 200, json: { CoreOptions: {} } }, undefined],
  ['the flag as a string', { status: 200, json: { CoreOptions: { EnableRBAC: 'true' } } }, undefined],
  ['the flag elsewhere than CoreOptions', { status: 200, json: { AIOptions: { EnableRBAC: false } } }, undefined],
  ['a server without /server-configs', { status: 404 }, undefined],
  ['a refusal that still carries JSON', { status: 403, json: { CoreOptions: { EnableRBAC: false } } }, undefined],
  ['no answer', new Error('connect ECONNREFUSED'), undefined],
])('RBAC from /server-configs: %s', async (_name, answer, rbac) => {
  const hub = new TableHub({ '/server-configs': answer });
  expect((await gatherHubFacts(hub, samplePolicy(), account)).rbac).toBe(rbac);
  expect(hub.asked.find((a) => a.path === '/server-configs')?.bearer).toBeNull();
});

test('the reads without a token carry no credential, and what each got is kept (0 when no answer)', async () => {
  const hub = new TableHub({ '/rest-api/v1/clusters': { status: 200, json: {} }, '/rest-api/v1/authn': new Error('socket hang up') });
  const facts = await gatherHubFacts(hub, samplePolicy(), account);
  expect(facts.anonymousReads).toEqual([
    { path: '/rest-api/v1/clusters', status: 200 },
    { path: '/rest-api/v1/authn', status: 0 },
  ]);
  expect(hub.asked.filter((a) => a.path.startsWith('/rest-api/')).map((a) => a.bearer)).toEqual([null, null]);
});

test('the token maximum is probed an hour past the longest role, for the probe account', async () => {
  const hub = new TableHub({}, {}, () => 3600);
  const facts = await gatherHubFacts(hub, samplePolicy(), account);
  expect(hub.tokenRequests).toEqual([{ ...account, seconds: 9 * 3600 }]);
  expect(facts.tokenMaximum?.askedSeconds).toBe(9 * 3600);
  expect(Math.abs(facts.tokenMaximum!.grantedSeconds - 3600)).toBeLessThanOrEqual(1);
});

test('a refused token request leaves the token maximum unknown', async () => {
  const hub = new TableHub({}, {}, () => new Error('the hub answered 403'));
  expect((await gatherHubFacts(hub, samplePolicy(), account)).tokenMaximum).toBeUndefined();
});

test('the preset roles and the policy roles are read once each: missing is null, unreadable undefined', async () => {
  const hub = new TableHub({}, { 'karpor-guest': GUEST_RULES, 'karpor-admin': new Error('the hub answered 500') });
  const facts = await gatherHubFacts(hub, samplePolicy(), account);
  expect(facts.clusterRoles).toEqual([
    { name: 'karpor-admin', rules: undefined },
    { name: 'karpor-guest', rules: GUEST_RULES },
    { name: 'karpor-audit', rules: null },
  ]);
});

test.each<[string, Answer, Awaited<ReturnType<typeof proveToken>>]>([
  ['200: the dashboard logs in', { status: 200, json: {} }, { accepted: true }],
  ['401: the hub does not know the token', { status: 401 }, { accepted: false, status: 401 }],
  ['403: the hub will not let it in', { status: 403 }, { accepted: false, status: 403 }],
  ['404: no login check there', { status: 404 }, { accepted: false, status: 404 }],
  ['500', { status: 500 }, { accepted: false, status: 500 }],
  ['no answer', new Error('timeout'), { accepted: false, status: 0 }],
])('proving a token, %s', async (_name, answer, proof) => {
  const hub = new TableHub({ '/rest-api/v1/authn': answer });
  expect(await proveToken(hub, 'the-token')).toEqual(proof);
  expect(hub.asked).toEqual([{ path: '/rest-api/v1/authn', bearer: 'the-token' }]);
});

test("the hub's refusals of the bot itself are named (its identity check), other failures are not", async () => {
  const hub = new TableHub(
    {},
    { 'karpor-guest': new HubError('forbidden', 'read clusterrole: 403'), 'karpor-admin': new HubError('unavailable', 'read clusterrole: 503') },
    () => new HubError('forbidden', 'probe token maximum: 403'),
  );
  const facts = await gatherHubFacts(hub, samplePolicy(), account);
  expect(facts.botRefused?.sort()).toEqual(['a token for karpor-bot/karpor-token-probe', 'reading ClusterRole karpor-guest']);
  expect(facts.clusterRoles.find((r) => r.name === 'karpor-admin')?.rules).toBeUndefined();
});
