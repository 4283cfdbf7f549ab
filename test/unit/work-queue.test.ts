import { WorkQueue } from '../../src/slack/work-queue';

test('runs at most `limit` jobs at once, the rest in arrival order, and survives failures', async () => {
  const queue = new WorkQueue(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const job = (i: number) => async () => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, 5));
    order.push(i);
    running--;
    if (i === 3) throw new Error('job 3 failed');
    return i;
  };
  const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => queue.run(job(i))));
  expect(most).toBe(2);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  expect(order.slice(0, 2).sort()).toEqual([0, 1]);
  expect(order.indexOf(7)).toBeGreaterThan(order.indexOf(4));
  await expect(queue.run(async () => 'after')).resolves.toBe('after');
});
