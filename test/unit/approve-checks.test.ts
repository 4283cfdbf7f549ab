// The approve and deny paths answer what the request and the cached membership already settle
// (no such request, decided, own, not an approver) without a live user-group look-up: each costs
// a Slack call of about 20 a minute.
import { Replies, U, world, type World } from './fakes';

async function opened(w: World): Promise<string> {
  const r = new Replies();
  await w.approvals.request(U.plat, { role: 'admin', reason: 'incident' }, r.reply);
  const last = r.last;
  if (last?.kind !== 'request-pending') throw new Error(`no request: ${JSON.stringify(r.all)}`);
  return last.request.id;
}

async function approve(w: World, id: string, userId: string): Promise<string> {
  const r = new Replies();
  await w.approvals.approve(id, userId, r.reply);
  return r.lastText();
}

test.each([
  ['a non-approver', U.eng, /Only members of the approver groups of `admin` can approve/],
  ['the requester', U.plat, /cannot approve your own request/],
])('%s clicking Approve is refused without a live look-up', async (_who, userId, answer) => {
  const w = world();
  const id = await opened(w);
  for (let i = 0; i < 5; i++) expect(await approve(w, id, userId)).toMatch(answer);
  expect(w.directory.liveLookups).toBe(0);
  expect(w.store.peek(id)).toMatchObject({ state: 'pending', approvals: [] });
});

test('an unknown or decided request is answered without a live look-up', async () => {
  const w = world();
  expect(await approve(w, 'req9999999', U.appr1)).toBe('That request does not exist.');
  const id = await opened(w);
  expect(await approve(w, id, U.appr1)).toMatch(/^Approved/);
  const lookups = w.directory.liveLookups;
  expect(await approve(w, id, U.appr2)).toMatch(/already approved/);
  expect(w.directory.liveLookups).toBe(lookups);
});

test('a non-approver denying is refused without a live look-up', async () => {
  const w = world();
  const id = await opened(w);
  const r = new Replies();
  await w.approvals.deny(id, U.eng, 'no', r.reply);
  expect(r.lastText()).toMatch(/can deny this request/);
  expect(w.directory.liveLookups).toBe(0);
});

test('an approver the cache lets through is still checked live', async () => {
  const w = world();
  const id = await opened(w);
  expect(await approve(w, id, U.appr1)).toMatch(/^Approved/);
  expect(w.directory.liveLookups).toBe(1);
});
