// `npm run demo` as people run it: demo/main.ts under tsx, in its own process (the browser tests
// start the playground in the test runner, compiled by ts-jest instead). Reuses the suite's hub.
import * as path from 'node:path';
import { PERSON } from '../../demo/directory';
import { dmChannel } from '../../demo/workspace';
import { runWatched, type Watched } from '../support/process';

const REPO = path.resolve(__dirname, '../..');

jest.setTimeout(90_000);

let demo: Watched | undefined;
afterAll(() => demo?.kill('SIGKILL'));

test('npm run demo starts, gives a token for a command typed on its page, and stops on SIGTERM', async () => {
  demo = runWatched(path.join(REPO, 'node_modules/.bin/tsx'), ['demo/main.ts'], { cwd: REPO, env: { ...process.env, PORT: '0' } });

  const [, url] = await demo.waitFor(/Open (http:\/\/\S+) in your browser/, 60_000);
  const answer = await fetch(new URL('/ui/command', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: PERSON.engineer, channel: dmChannel(PERSON.engineer), text: '/karpor-token guest 1h' }),
  });
  expect(answer.status).toBe(200);
  await demo.waitFor(/audit {2}grant\.issued {2}.*user=@\w+ role=guest/, 20_000);

  demo.kill('SIGTERM');
  expect(await demo.exited).toBe(0);
  expect(demo.output()).toContain('Stopped.');
});
