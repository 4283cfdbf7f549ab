// Soak: thousands of signed commands at a steady concurrency against the real hub. Every one is
// answered, the heap after the run is where it was after warm-up, and no file handle is left open.
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { GROUPS, startTestBot, type TestBot } from '../support/bot';
import { expectNoTokenLeaks, grantSecrets, wait } from './helpers';

const COMMANDS = Number(process.env.SOAK_COMMANDS ?? 3000);
const CONCURRENCY = 20;
const WARM_UP = 300;
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
    await settle();
    const heapBefore = process.memoryUsage().heapUsed;
    const filesBefore = openFiles();
    const started = Date.now();

    const tokensBefore = (await grantSecrets(t.namespace)).length;
    let heapHalfway = heapBefore;
    for (let done = 0; done < COMMANDS; done += 500) {
      await run(Math.min(500, COMMANDS - done), watch, WARM_UP + done);
      await settle();
      if (done + 500 <= COMMANDS / 2) heapHalfway = process.memoryUsage().heapUsed;
    }
    const seconds = (Date.now() - started) / 1000;
    const heapAfter = process.memoryUsage().heapUsed;
    const filesAfter = openFiles();
    const issued = (await grantSecrets(t.namespace)).length - tokensBefore;
    process.stderr.write(
      `soak: ${COMMANDS} commands in ${seconds.toFixed(1)} s (${(COMMANDS / seconds).toFixed(0)}/s), ${issued} tokens; heap ${(heapBefore / 2 ** 20).toFixed(1)} -> ${(heapAfter / 2 ** 20).toFixed(1)} MiB; sockets ${filesBefore.sockets} -> ${filesAfter.sockets}, other descriptors ${filesBefore.other} -> ${filesAfter.other}\n`,
    );
    const issuing = Array.from({ length: COMMANDS }, (_, i) => WARM_UP + i).filter((i) => MIX[i % MIX.length]![0].startsWith('guest') && i % MIX.length < 2);
    expect(issued).toBe(issuing.length);
    // Memory is flat when the second half of the run adds no more than what is kept on purpose:
    // the replay guard's memory of each delivery (~0.2 KB, for 10 minutes). The first half also
    // carries the heap's own settling (compiled code, pools), which differs between Node versions.
    const perCommand = (heapAfter - heapHalfway) / (COMMANDS / 2);
    process.stderr.write(`soak: heap growth in the second half ${perCommand.toFixed(0)} bytes per command\n`);
    expect(perCommand).toBeLessThan(600);
    expect(heapAfter - heapBefore).toBeLessThan(8 * 2 ** 20);
    expect(filesAfter.other).toBeLessThanOrEqual(filesBefore.other);
    // Keep-alive pools (to the hub, to the fake Slack) grow with the concurrency, and both ends of
    // a loopback connection to the in-process fake count here; a leak per command would be thousands.
    expect(filesAfter.sockets - filesBefore.sockets).toBeLessThanOrEqual(2 * CONCURRENCY);
  } finally {
    watch.stop();
  }
  // Every answer and message of the last batch, and every object on the hub, without a token.
  await t.command(USERS[0]!, 'guest');
  await t.slack.waitFor(() => t.slack.responses.length > 0, 15_000);
  await expectNoTokenLeaks(t);
}, 120_000);
