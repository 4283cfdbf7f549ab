import { ClickLimit } from '../../src/slack/actions/click-limit';

test('a few clicks at once, then one every few seconds, per person', () => {
  let now = 0;
  const limit = new ClickLimit(3, 2_000, () => now);
  expect([1, 2, 3].map(() => limit.take('U1'))).toEqual([undefined, undefined, undefined]);
  expect(limit.take('U1')).toBe(2);
  expect(limit.take('U2')).toBeUndefined();
  now += 1_000;
  expect(limit.take('U1')).toBe(1);
  now += 1_000;
  expect(limit.take('U1')).toBeUndefined();
  expect(limit.take('U1')).toBe(2);
  now += 60_000;
  expect([1, 2, 3].map(() => limit.take('U1'))).toEqual([undefined, undefined, undefined]);
  expect(limit.take('U1')).toBe(2);
});
