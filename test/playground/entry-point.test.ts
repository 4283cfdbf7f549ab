// `npm run demo` as people run it: demo/main.ts under tsx, in its own process (the browser tests
// start the playground in the test runner, compiled by ts-jest instead). Reuses the suite's hub.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { PERSON } from '../../demo/directory';
import { dmChannel } from '../../demo/workspace';

const REPO = path.resolve(__dirname, '../..');

jest.setTimeout(90_000);

let child: ChildProcess | undefined;
let output = '';

function waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(output);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(match);
      }
    };
    const poll = setInterval(check, 50);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`no ${pattern} within ${timeoutMs} ms; the playground printed:\n${output}`));
    }, timeoutMs);
    child!.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`the playground exited (${code}) before ${pattern}; it printed:\n${output}`));
    });
    check();
  });
}

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

test('npm run demo starts, gives a token for a command typed on its page, and stops on SIGTERM', async () => {
  child = spawn(path.join(REPO, 'node_modules/.bin/tsx'), ['demo/main.ts'], {
    cwd: REPO,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));

  const [, url] = await waitForOutput(/Open (http:\/\/\S+) in your browser/, 60_000);
  const answer = await fetch(new URL('/ui/command', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: PERSON.engineer, channel: dmChannel(PERSON.engineer), text: '/karpor-token guest 1h' }),
  });
  expect(answer.status).toBe(200);
  await waitForOutput(new RegExp(`audit  grant\\.issued  .*user=@\\w+ role=guest`), 20_000);

  const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output).toContain('Stopped.');
});
