import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { MAIN_THREAD_NICE } from '../../src/thread-priority';

const REPO = path.resolve(__dirname, '../..');

// In a child process: the test runner could not raise its own thread's priority again.
// A worker stands in for the ack thread; it reports its thread ID from /proc/thread-self.
const SCRIPT = `
const { Worker } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { yieldToAckThread } = require('./src/thread-priority');
const nice = (tid) => Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[16]);
const before = nice(process.pid);
const worker = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop())", { eval: true });
worker.once('message', (tid) => {
  const warnings = [];
  yieldToAckThread({ warn: (...args) => warnings.push(args) });
  console.log(JSON.stringify({ before, main: nice(process.pid), thread: nice(tid), warnings }));
  worker.terminate();
});
`;

test('the main thread runs below the thread started before it, which keeps its priority', () => {
  const out = execFileSync(path.join(REPO, 'node_modules/.bin/tsx'), ['-e', SCRIPT], { cwd: REPO, encoding: 'utf8' });
  const { before, main, thread, warnings } = JSON.parse(out) as { before: number; main: number; thread: number; warnings: unknown[] };
  expect(warnings).toEqual([]);
  expect(main).toBe(Math.max(before, MAIN_THREAD_NICE));
  expect(thread).toBe(before);
});
