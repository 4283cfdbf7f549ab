// The replay guard on its own: what counts as the same delivery, how long it is remembered, and
// that its memory is bounded whatever arrives.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { deliveryKey, replayGuard } from '../../src/slack/replay-guard';

type Args = Parameters<ReturnType<typeof replayGuard>>[0];

function harness(now: () => number) {
  const duplicates: unknown[] = [];
  const guard = replayGuard({ now, onDuplicate: (info) => duplicates.push(info) });
  const deliver = async (body: object, retryNum?: number) => {
    let passed = false;
    let acked = false;
    await guard({
      body,
      context: { retryNum },
      ack: async () => void (acked = true),
      next: async () => void (passed = true),
    } as unknown as Args);
    return { passed, acked };
  };
  return { deliver, duplicates };
}

const command = (trigger: string) => ({ command: '/karpor-token', text: 'guest', user_id: 'U0ENGINEER', trigger_id: trigger });
const click = (trigger: string, actionTs: string) => ({ type: 'block_actions', trigger_id: trigger, actions: [{ action_id: 'grant_revoke', action_ts: actionTs }] });

test('what identifies a delivery', () => {
  expect(deliveryKey({ event_id: 'Ev1', trigger_id: 'x' })).toBe('event:Ev1');
  expect(deliveryKey(command('1.2.a'))).toBe('/karpor-token:1.2.a:');
  expect(deliveryKey(click('1.2.a', '100.5'))).toBe('block_actions:1.2.a:100.5');
  expect(deliveryKey({ type: 'view_submission', trigger_id: '3.4.b' })).toBe('view_submission:3.4.b:');
  for (const body of [null, 42, 'x', {}, { trigger_id: '' }, { trigger_id: 5 }, { event_id: 7 }]) expect(deliveryKey(body)).toBeUndefined();
});

test('a second delivery is acknowledged and dropped; a new one passes; after 10 minutes it passes again', async () => {
  let now = 1_000_000;
  const { deliver, duplicates } = harness(() => now);
  expect(await deliver(command('1.1.a'))).toEqual({ passed: true, acked: false });
  expect(await deliver(command('1.1.a'), 1)).toEqual({ passed: false, acked: true });
  expect(duplicates).toEqual([{ type: '/karpor-token', retryNum: 1 }]);
  expect(await deliver(command('1.1.b'))).toEqual({ passed: true, acked: false });
  // The same trigger with another action (a second button in one message) is another delivery.
  expect(await deliver(click('2.2.a', '1.1'))).toEqual({ passed: true, acked: false });
  expect(await deliver(click('2.2.a', '1.2'))).toEqual({ passed: true, acked: false });
  now += 9 * 60_000;
  expect((await deliver(command('1.1.a'))).passed).toBe(false);
  now += 2 * 60_000;
  expect((await deliver(command('1.1.a'))).passed).toBe(true);
});

test('bodies without an identity always pass', async () => {
  const { deliver } = harness(() => 0);
  for (let i = 0; i < 3; i++) expect(await deliver({ type: 'view_closed' })).toEqual({ passed: true, acked: false });
});

test('its memory is bounded: past 100 000 remembered deliveries the oldest are forgotten', async () => {
  const { deliver } = harness(() => 5);
  for (let i = 0; i < 100_050; i++) await deliver(command(`t.${i}`));
  expect((await deliver(command('t.100049'))).passed).toBe(false);
  expect((await deliver(command('t.0'))).passed).toBe(true);
});

test('what it remembers does not keep the request bodies alive', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const { deliver } = harness(() => 5);
  const heapUsed = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const before = heapUsed();
  for (let i = 0; i < 20; i++) {
    // A parsed body's fields are slices of the raw body, as Bolt's parsing leaves them.
    const raw = `token=x&${'text=padding'.repeat(100_000)}&trigger_id=${i}.123456789.abcdef`;
    await deliver(command(raw.slice(raw.lastIndexOf('=') + 1)));
  }
  // Twenty 1.2 MB bodies would stay for the guard's 10 minutes if their slices were kept (24 MB);
  // what is left besides is code and caches of the test itself, about 1 MB.
  expect(heapUsed() - before).toBeLessThan(6 * 2 ** 20);
});
