// The bot as a process, the way it is run: src/main.ts (what `npm start` runs from dist/ and
// `npm run dev` under tsx) configured by environment variables, on the test hub and the fake Slack.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-api';
import { BOT_TOKEN, botIdentity, GROUPS, PEOPLE, SIGNING_SECRET, testPolicy, tokenIn } from '../support/bot';
import { createNamespace, hubRequest, uniqueName } from '../support/hub';
import { runWatched, type Watched } from '../support/process';
import { postSigned, slashCommandBody } from '../support/slack-requests';

const REPO = path.resolve(__dirname, '../..');

jest.setTimeout(60_000);

let slack: FakeSlack;
let bot: Watched | undefined;

afterAll(async () => {
  bot?.kill('SIGKILL');
  await slack?.stop();
});

test('configured by its environment, it serves a command and exits cleanly on SIGTERM, without loading client-node', async () => {
  const namespace = await createNamespace(uniqueName('entry'));
  const prefix = uniqueName('ep').slice(0, 12);
  const kubeconfig = await botIdentity(namespace, testPolicy(prefix));
  slack = await startFakeSlack({ botToken: BOT_TOKEN, usergroups: GROUPS });
  const policyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'entry-policy-')), 'policy.yaml');
  fs.writeFileSync(policyFile, stringify(testPolicy(prefix)));

  bot = runWatched(process.execPath, ['--require', path.join(REPO, 'test/support/client-node-loaded.cjs'), '--import', 'tsx', 'src/main.ts'], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_MODE: 'http',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      HUB_KUBECONFIG: kubeconfig,
      HUB_NAMESPACE: namespace,
      POLICY_FILE: policyFile,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
  });

  const [startedLine] = await bot.waitFor(/^.*"msg":"karpor-token-bot started".*$/m, 30_000);
  const started = JSON.parse(startedLine) as { port: number };

  const responseUrl = slack.responseUrl(`entry-${Date.now()}`);
  const ack = await postSigned(`http://127.0.0.1:${started.port}/slack/events`, SIGNING_SECRET, slashCommandBody({ userId: PEOPLE.engineer, text: 'guest 1h', responseUrl }));
  expect(ack.status).toBe(200);
  const dm = await slack.waitFor(() => slack.messages.find((m) => m.method === 'chat.postEphemeral' && m.user === PEOPLE.engineer && tokenIn(m)), 15_000);
  const token = tokenIn(dm)!;
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string };
  expect(claims.sub).toBe(`system:serviceaccount:${prefix}-guests:${prefix}-guest`);
  expect(await hubRequest(token, 'GET', '/api')).toBe(200);

  bot.kill('SIGTERM');
  expect(await bot.exited).toBe(0);
  expect(bot.output()).toContain('"msg":"stopping"');
  expect(bot.output()).not.toContain(token);
  // Its hub credentials, calls and watches need none of client-node (its KubeConfig alone loads
  // every generated API client, about 50 MB).
  expect(bot.output()).toContain('{"clientNodeFiles":0,"clientNodeGenerated":0}');
});
