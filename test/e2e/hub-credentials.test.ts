// The bot reads its hub credentials again when the hub refuses them (401): a re-run of Karpor's
// cert job, or a rotated kubeconfig Secret, must not need a restart.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createNamespace, hubRequest, serviceAccountToken, uniqueName, writeKubeconfigForToken } from '../support/hub';
import { startHubProxy } from '../support/hub-proxy';
import { botIdentity, PEOPLE, say, startTestBot, testPolicy, tokenIn } from '../support/bot';

test('a kubeconfig whose token the hub refuses is read again, and the request still succeeds', async () => {
  const namespace = await createNamespace(uniqueName('creds'));
  const prefix = uniqueName('t').slice(0, 12);
  await botIdentity(namespace, testPolicy(prefix));
  const proxy = await startHubProxy(process.env.KARPOR_TEST_HUB_SERVER!);
  const first = await serviceAccountToken(namespace, 'karpor-token-bot', 3600);
  const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'creds-')), 'config');
  writeKubeconfigForToken(kubeconfig, proxy.server, first);
  const bot = await startTestBot({ namespace, kubeconfig, prefix });
  try {
    expect(await say(bot, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);

    // The old credentials are refused from now on (as after a key rotation); new ones are in the file.
    const refused: string[] = [];
    proxy.fault = (_method, p, headers) => {
      if (headers.authorization !== `Bearer ${first}`) return undefined;
      refused.push(p);
      return { status: 401, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 }) };
    };
    writeKubeconfigForToken(kubeconfig, proxy.server, await serviceAccountToken(namespace, 'karpor-token-bot', 3600));
    bot.slack.reset();
    expect(await say(bot, PEOPLE.engineer, 'guest')).toMatch(/token is in your DM/);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    const token = tokenIn(bot.slack.messages.find((m) => tokenIn(m))!)!;
    expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
    expect(bot.logs.join('\n')).not.toContain(first);
  } finally {
    await bot.stop();
    await proxy.stop();
  }
});
