// Forged interactivity: correctly signed clicks and form submissions whose values point at someone
// else's grant or request, at the wrong kind of object, or claim another role or duration. State
// is read from the hub at every click, so none of them changes anything.
import * as k8s from '@kubernetes/client-node';
import { adminKubeConfig, hubRequest, hubServer } from '../support/hub';
import { startHubProxy, type HubProxy } from '../support/hub-proxy';
import { buttonValue, PEOPLE, startTestBot, tokenIn, type TestBot } from '../support/bot';
import { blockActionPayload, viewSubmissionPayload } from '../support/slack-requests';
import { answerTo, deliveredTokens, expectNoTokenLeaks, grantSecrets, say, wait } from './helpers';

let proxy: HubProxy;
let t: TestBot;
/** The engineer's guest grant and its working token. */
let victim: { grantId: string; token: string };
/** The platform admin's open request for admin. */
let requestId: string;

const secretsNow = async () =>
  (await adminKubeConfig().makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace: t.namespace })).items.map((s) => `${s.metadata!.name}@${s.metadata!.resourceVersion}`).sort();
const hubWrites = (from: number) => proxy.seen.slice(from).filter((r) => !r.startsWith('GET '));

async function clickAs(userId: string, actionId: string, value: string): Promise<string> {
  const id = `forged-${Math.random()}`;
  const res = await t.interact(blockActionPayload({ userId, actionId, value, responseUrl: t.slack.responseUrl(id) }));
  expect(res.status).toBe(200);
  return answerTo(t, t.slack.responseUrl(id));
}

async function submitAs(userId: string, callbackId: string, privateMetadata: string, reason = 'forged'): Promise<string> {
  const seen = t.slack.messages.length;
  const res = await t.interact(viewSubmissionPayload({ userId, callbackId, privateMetadata, values: { reason: { reason_input: { type: 'plain_text_input', value: reason } } } }));
  expect(res.status).toBe(200);
  const dm = await t.slack.waitFor(() => t.slack.messages.slice(seen).find((m) => m.method === 'chat.postMessage' && m.channel === `D${userId}`), 15_000);
  return String(dm.text);
}

beforeAll(async () => {
  proxy = await startHubProxy(hubServer());
  t = await startTestBot({ hubServer: proxy.server });
  expect(await say(t, PEOPLE.engineer, 'guest 2h')).toMatch(/token is in your DM/);
  const card = await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.engineer}` && buttonValue(m, 'grant_show_again')));
  victim = { grantId: buttonValue(card, 'grant_show_again')!, token: deliveredTokens(t)[0]! };
  await say(t, PEOPLE.platformAdmin, 'admin 1h -- incident 42');
  const approverCard = await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.approver}` && buttonValue(m, 'request_approve')), 15_000);
  requestId = buttonValue(approverCard, 'request_approve')!;
});
afterAll(async () => {
  await expectNoTokenLeaks(t, [victim.token, ...deliveredTokens(t)]);
  await t.stop();
  await proxy.stop();
});

let before: string[];
let seenFrom: number;
beforeEach(async () => {
  t.slack.reset();
  before = await secretsNow();
  seenFrom = proxy.seen.length;
});
/** Nothing on the hub changed, no token went anywhere, and the victim's token still works. */
afterEach(async () => {
  await wait(200);
  expect(hubWrites(seenFrom)).toEqual([]);
  expect(await secretsNow()).toEqual(before);
  expect(t.slack.messages.filter((m) => tokenIn(m))).toEqual([]);
  expect(await hubRequest(victim.token, 'GET', '/rest-api/v1/authn')).toBe(200);
});

describe("someone else's grant", () => {
  test.each([
    ['grant_show_again', /That grant does not exist any more, or it is not yours\./],
    ['grant_revoke', new RegExp('There is no grant `[a-z0-9]+` of yours\\. See `/karpor-token status`\\.')],
    ['grant_extend', /That grant does not exist any more, or it is not yours\. Ask with `\/karpor-token <role>`\./],
  ])('%s by another engineer changes nothing', async (actionId, answer) => {
    expect(await clickAs(PEOPLE.platformAdmin, actionId, victim.grantId)).toMatch(answer);
  });

  test('an outsider (in no group) revoking it changes nothing', async () => {
    expect(await clickAs(PEOPLE.outsider, 'grant_revoke', victim.grantId)).toMatch(/There is no grant `[a-z0-9]+` of yours/);
  });

  test('revoke by command, for a grant id or a person, is refused for someone who may not', async () => {
    expect(await say(t, PEOPLE.platformAdmin, `revoke ${victim.grantId}`)).toMatch(/There is no grant `[a-z0-9]+` of yours/);
    expect(await say(t, PEOPLE.platformAdmin, `revoke <@${PEOPLE.engineer}>`)).toMatch(/Only approvers and Karpor administrators can revoke other people's grants/);
  });
});

describe('values that point at the wrong thing', () => {
  const values = () => [
    ['a request id on a grant button', requestId],
    ['an empty value', ''],
    ['a path that climbs out', `../../../namespaces/${t.namespace}/secrets/karpor-request-${requestId}`],
    ['an encoded path', `%2e%2e%2fkarpor-request-${requestId}`],
    ['a label-selector injection', `${victim.grantId},karpor.io/user=${PEOPLE.platformAdmin}`],
    ['a claim of role and duration', JSON.stringify({ role: 'admin', seconds: 8 * 3600, grant: victim.grantId })],
    ['5000 characters', 'a'.repeat(5000)],
    ['control characters and unicode', '\u0000\u202egrant\u{1F511}'],
  ] as const;

  test.each(['grant_show_again', 'grant_revoke', 'grant_extend'])('%s with each of them: a specific answer, no hub write', async (actionId) => {
    for (const [what, value] of values()) {
      const answer = await clickAs(PEOPLE.platformAdmin, actionId, value);
      expect({ what, answer }).toEqual({ what, answer: expect.stringMatching(/does not exist any more, or it is not yours|There is no grant .* of yours/s) });
    }
  });

  test.each(['request_approve', 'request_cancel'])('%s with a grant id or garbage: "That request does not exist."', async (actionId) => {
    for (const value of [victim.grantId, '', '../../x', 'a'.repeat(5000)]) {
      expect(await clickAs(PEOPLE.approver, actionId, value)).toBe('That request does not exist.');
    }
  });
});

describe('someone else\'s request', () => {
  test('cancelled by an approver who is not the requester: refused, still pending', async () => {
    expect(await clickAs(PEOPLE.approver, 'request_cancel', requestId)).toBe('Only the person who asked can cancel this request.');
  });

  test('approved by someone outside the approver groups: refused', async () => {
    expect(await clickAs(PEOPLE.engineer, 'request_approve', requestId)).toMatch(/Only members of the approver groups/);
    expect(await clickAs(PEOPLE.outsider, 'request_approve', requestId)).toMatch(/Only members of the approver groups/);
  });

  test('approved by the requester: refused', async () => {
    expect(await clickAs(PEOPLE.platformAdmin, 'request_approve', requestId)).toMatch(/cannot approve your own request/);
  });

  test('denied through a forged deny form by someone outside the approver groups: refused', async () => {
    expect(await submitAs(PEOPLE.engineer, 'deny_reason', JSON.stringify({ requestId }))).toMatch(/Only members of the approver groups/);
  });
});

describe('a forged reason form claims another role or duration', () => {
  test.each([
    ['a role the person may not have', { role: 'admin', seconds: 3600 }, /not in a group that may request `admin`/],
    ['a duration over the maximum', { role: 'guest', seconds: 99 * 3600 }, /at most 8h/],
    ['a duration under the minimum', { role: 'guest', seconds: 1 }, /too short|at least 10m/],
    ['a role that does not exist', { role: 'root', seconds: 3600 }, /There is no role "root"/],
  ])('%s: refused in the DM, no request opened', async (_what, metadata, answer) => {
    expect(await submitAs(PEOPLE.engineer, 'request_reason', JSON.stringify(metadata))).toMatch(answer);
  });

  test.each([['not JSON', '{role:'], ['empty', ''], ['an array', '[1,2]'], ['a string', '"admin"']])('metadata that is %s: a specific answer, nothing opened', async (_what, metadata) => {
    expect(await submitAs(PEOPLE.engineer, 'request_reason', metadata)).toMatch(/^That form is no longer valid; ask again with `\/karpor-token <role> \[duration\]`\.$/);
  });
});

test('the real owner can still use the grant after all of that', async () => {
  expect(await clickAs(PEOPLE.engineer, 'grant_revoke', 'nope')).toMatch(/There is no grant `nope` of yours/);
  const grants = await grantSecrets(t.namespace);
  expect(grants.map((g) => g.metadata!.name)).toContain(`karpor-grant-${victim.grantId}`);
  const requests = await adminKubeConfig().makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace: t.namespace, name: `karpor-request-${requestId}` });
  expect(requests.metadata?.labels?.['karpor.io/state']).toBe('pending');
});
