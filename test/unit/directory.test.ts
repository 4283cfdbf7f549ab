// SlackDirectory's live look-ups: each waits for a fetch that starts after it, and all that
// arrive while one runs share the next, so a burst of clicks costs at most two calls.
import type { WebClient } from '@slack/web-api';
import { SlackDirectory } from '../../src/slack/directory';
import { samplePolicy } from './fakes';

function fakeSlack() {
  const pending: Array<() => void> = [];
  let members = ['U1'];
  const slack = {
    calls: 0,
    setMembers: (m: string[]) => void (members = m),
    /** Answers the oldest call still open, with the membership as it is now. */
    answer: async () => {
      while (pending.length === 0) await new Promise((r) => setImmediate(r));
      pending.shift()!();
    },
    client: {
      usergroups: {
        list: () => {
          slack.calls++;
          const snapshot = [...members];
          return new Promise((resolve) => pending.push(() => resolve({ ok: true, usergroups: [{ id: 'S1', handle: 'approvers', users: snapshot }] })));
        },
      },
    } as unknown as WebClient,
  };
  return slack;
}

const policy = samplePolicy();

test('20 concurrent live look-ups during a fetch cost one more call, and see membership from after they began', async () => {
  const slack = fakeSlack();
  const directory = new SlackDirectory(slack.client, policy, { refreshMs: 3_600_000, staleLimitMs: 600_000 }, () => undefined);
  const started = directory.start();
  await slack.answer();
  await started;
  expect(slack.calls).toBe(1);

  const first = directory.personLive('U2');
  slack.setMembers(['U1', 'U2']);
  const burst = Array.from({ length: 20 }, () => directory.personLive('U2'));
  expect(slack.calls).toBe(2);
  await slack.answer();
  expect((await first).groups.has('S1')).toBe(false);
  await slack.answer();
  const people = await Promise.all(burst);
  expect(people.every((p) => p.groups.has('S1'))).toBe(true);
  expect(slack.calls).toBe(3);
  directory.stop();
});
