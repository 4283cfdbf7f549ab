// Soak: thousands of signed commands at a steady concurrency against the real hub. Every one is
// answered, the heap after the run is where it was after warm-up once the grants made meanwhile
// have ended, and no file handle is left open.
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as k8s from '@kubernetes/client-node';
import { USER } from '../../src/hub/labels';
import { GROUPS, startTestBot, type TestBot } from '../support/bot';
import { adminKubeConfig } from '../support/hub';
import { expectNoTokenLeaks, grantSecrets, wait } from './helpers';

const COMMANDS = Number(process.env.SOAK_COMMANDS ?? 3000);
const CONCURRENCY = 20;
const WARM_UP = 300;
const BATCH = 500;
/**
 * The most the data heap may grow per command: what is kept on purpose (the replay guard's memory
 * of each delivery, ~0.1 KB for 10 minutes) plus the noise of keep-alive pools and of a heap
 * measured after GC. Keeping one command's payload alive adds ~1.3 KB; its context or answer more.
 * Live grants are kept on purpose too (the bot's copy of them), until they end: each batch's are
 * ended before the heap is measured.
 */
const TREND_LIMIT = 768;
const USERS = Array.from({ length: 40 }, (_, i) => `U0SOAK${String(i).padStart(3, '0')}`);
/** What each kind of command must be answered with. */
const MIX: Array<[string, RegExp]> = [
  ['guest', /^Your `guest` token is in your DM with me/],
  ['guest 2h', /^Your `guest` token is in your DM with me/],
  ['status', /^(Your active Karpor grants|You have no active Karpor grants)/],
  ['help', /^\*Karpor tokens\*/],
  ['guest 99h', /at most 8h/],
  ['admin 1h', /not in a group that may request `admin`/],
  ['frobnicate', /^There is no role "frobnicate"/],
];

/** Least-squares slope of y over x: the heap's trend, less sensitive to one noisy sample. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  return covariance / variance;
}

/** Spaces that hold the program's objects. Compiled code and bytecode (code and trusted spaces)
 * are left out: they move by a MiB either way between batches with the JIT's tiering and flushing. */
const DATA_SPACES = new Set(['new_space', 'old_space', 'large_object_space', 'new_large_object_space']);

function dataHeap(): number {
  return v8
    .getHeapSpaceStatistics()
    .filter((space) => DATA_SPACES.has(space.space_name))
    .reduce((sum, space) => sum + space.space_used_size, 0);
}

/** gc() without --expose-gc on the command line. */
function gcFunction(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** This process's open file descriptors: sockets, and everything else (files, pipes, event fds). */
function openFiles(): { sockets: number; other: number } {
  let sockets = 0;
  let other = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the directory listing's own descriptor, closed already
    }
    if (target.startsWith('socket:')) sockets++;
    else other++;
  }
  return { sockets, other };
}

let t: TestBot;
beforeAll(async () => {
  t = await startTestBot({ slackOptions: { usergroups: [{ ...GROUPS[0]!, users: USERS }, ...GROUPS.slice(1)] } });
});
afterAll(async () => {
  await t?.stop();
});

/** Watches the fake's response_url answers without rescanning them all for every command. */
function answers(bot: TestBot) {
  const waiting = new Map<string, (text: string) => void>();
  /** Answers that came before anyone asked for them. */
  const early = new Map<string, string>();
  let read = 0;
  const timer = setInterval(() => {
    const all = bot.slack.responses;
    for (; read < all.length; read++) {
      const r = all[read]!;
      const waiter = waiting.get(r.id);
      if (waiter) waiter(String(r.body.text));
      else early.set(r.id, String(r.body.text));
      waiting.delete(r.id);
    }
  }, 5);
  return {
    next: (id: string, timeoutMs: number) =>
      new Promise<string>((resolve) => {
        const known = early.get(id);
        if (known !== undefined) {
          early.delete(id);
          return resolve(known);
        }
        const timer = setTimeout(() => resolve(`(no answer in ${timeoutMs} ms)`), timeoutMs);
        waiting.set(id, (text) => {
          clearTimeout(timer);
          resolve(text);
        });
      }),
    /** Records can be dropped only when nothing is waiting. */
    reset() {
      bot.slack.reset();
      bot.slack.forgetPosted();
      read = 0;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Ends every grant on the hub, as their expiry would, and waits until the bot's live copy of them
 * has seen each deletion: its events come in order, so once the owner of the grant deleted last
 * has none in `status`, none is left in the copy. How many there were.
 */
async function endGrants(watch: ReturnType<typeof answers>): Promise<number> {
  const grants = await grantSecrets(t.namespace);
  if (grants.length === 0) return 0;
  const core = adminKubeConfig().makeApiClient(k8s.CoreV1Api);
  for (const g of grants) await core.deleteNamespacedSecret({ name: g.metadata!.name!, namespace: g.metadata!.namespace! });
  const last = grants.at(-1)!.metadata!.labels![USER]!;
  for (let tries = 0; ; tries++) {
    const sent = await t.command(last, 'status');
    const answer = await watch.next(decodeURIComponent(sent.responseUrl.split('/').pop()!), 20_000);
    if (/^You have no active Karpor grants/.test(answer)) return grants.length;
    if (tries >= 50) throw new Error(`the bot still shows grants after they were deleted: ${answer}`);
    await wait(20);
  }
}

/** Runs `count` commands with CONCURRENCY in flight and checks every answer. */
async function run(count: number, watch: ReturnType<typeof answers>, offset: number): Promise<void> {
  let next = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (next < count) {
      const i = offset + next++;
      const [text, expected] = MIX[i % MIX.length]!;
      const user = USERS[i % USERS.length]!;
      const sent = await t.command(user, text);
      if (sent.status !== 200) failures.push(`#${i} ${text}: HTTP ${sent.status}`);
      const answer = await watch.next(decodeURIComponent(sent.responseUrl.split('/').pop()!), 20_000);
      if (!expected.test(answer)) failures.push(`#${i} ${text}: ${answer}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  expect(failures.slice(0, 5)).toEqual([]);
}

test(`${COMMANDS} commands at concurrency ${CONCURRENCY}: all answered, heap flat, no handle leaked`, async () => {
  const gc = gcFunction();
  const watch = answers(t);
  const settle = async () => {
    await wait(300);
    watch.reset();
    // Scan the log lines for tokens before they are dropped to keep the test's own memory flat.
    expect(t.logs.join('\n')).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./);
    t.logs.length = 0;
    for (let i = 0; i < 3; i++) {
      gc();
      await wait(50);
    }
  };
  try {
    await run(WARM_UP, watch, 0);
    await endGrants(watch);
    await settle();
    const heapBefore = dataHeap();
    const filesBefore = openFiles();
    const started = Date.now();

    const heap: Array<[commands: number, bytes: number]> = [[0, heapBefore]];
    let done = 0;
    let issued = 0;
    // A leak grows the heap with every batch; noise does not. When the trend is over the limit after
    // COMMANDS, the run goes on to twice as many before judging, which halves the noise's share.
    while (done < COMMANDS || (slope(heap) >= TREND_LIMIT && done < 2 * COMMANDS)) {
      await run(BATCH, watch, WARM_UP + done);
      done += BATCH;
      issued += await endGrants(watch);
      await settle();
      heap.push([done, dataHeap()]);
    }
    const seconds = (Date.now() - started) / 1000;
    const heapAfter = dataHeap();
    const filesAfter = openFiles();
    const perCommand = slope(heap);
    process.stderr.write(
      `soak: ${done} commands in ${seconds.toFixed(1)} s (${(done / seconds).toFixed(0)}/s), ${issued} tokens; data heap after each batch ${heap.map(([, b]) => (b / 2 ** 20).toFixed(1)).join(', ')} MiB, trend ${perCommand.toFixed(0)} bytes per command; sockets ${filesBefore.sockets} -> ${filesAfter.sockets}, other descriptors ${filesBefore.other} -> ${filesAfter.other}\n`,
    );
    const issuing = Array.from({ length: done }, (_, i) => WARM_UP + i).filter((i) => i % MIX.length < 2);
    expect(issued).toBe(issuing.length);
    expect(perCommand).toBeLessThan(TREND_LIMIT);
    expect(heapAfter - heapBefore).toBeLessThan(8 * 2 ** 20);
    expect(filesAfter.other).toBeLessThanOrEqual(filesBefore.other);
    // Keep-alive pools grow with the concurrency, to at most CONCURRENCY connections each: test to
    // bot and bot to the fake Slack (both ends in this process), bot to the hub (one end). A leak
    // per command would be thousands.
    expect(filesAfter.sockets - filesBefore.sockets).toBeLessThanOrEqual(5 * CONCURRENCY);
  } finally {
    watch.stop();
  }
  // Every answer and message of the last batch, and every object on the hub, without a token.
  await t.command(USERS[0]!, 'guest');
  await t.slack.waitFor(() => t.slack.responses.length > 0, 15_000);
  await expectNoTokenLeaks(t);
}, 240_000);
