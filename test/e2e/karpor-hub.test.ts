// What the bot tells people and operators about the hub's RBAC, read from the hub's own
// GET /server-configs: on the suite's hub (RBAC on) and on a hub with RBAC off, Karpor's default.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { policyFrom } from '../../src/config/policy-file';
import { setupHub } from '../../src/setup/setup-hub';
import { startHub, type RunningHub } from '../hub/harness';
import { dashboardLogin, tokenOwner, uniqueName } from '../support/hub';
import { PEOPLE, say, startTestBot, testPolicy, tokenIn, type TestBot } from '../support/bot';

const RBAC_GAUGE = 'karpor_token_bot_hub_rbac_enabled';
const RBAC_KNOWN = 'karpor_token_bot_hub_rbac_known';
const RBAC_OFF_WARNING = /^:warning: The Karpor hub has RBAC turned off/;

/** The bot's RBAC gauge from its /metrics, once its start-up check has answered (NaN if never). */
async function rbacGauge(bot: TestBot): Promise<number> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const text = await new Promise<string>((resolve, reject) => {
      http
        .get(new URL('/metrics', bot.url), (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    const gauge = (name: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line ? Number(line.split(' ').pop()) : NaN;
    };
    if (gauge(RBAC_KNOWN) === 1 || Date.now() > deadline) return gauge(RBAC_GAUGE);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function rbacAlerts(bot: TestBot): string[] {
  return bot.logs.filter((l) => /"alert":true/.test(l) && /RBAC turned off/.test(l));
}

describe('on a hub with RBAC on', () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot();
  });
  afterAll(() => t.stop());

  test('/metrics says RBAC is on, and neither help nor the log warn', async () => {
    expect(await rbacGauge(t)).toBe(1);
    expect(await say(t, PEOPLE.engineer, 'help')).not.toMatch(RBAC_OFF_WARNING);
    expect(rbacAlerts(t)).toEqual([]);
  });
});

describe('on a hub with RBAC off', () => {
  let hub: RunningHub;
  let t: TestBot;
  let tmp: string;
  const prefix = uniqueName('t').slice(0, 12);
  const policy = testPolicy(prefix);
  beforeAll(async () => {
    hub = await startHub({ rbac: false });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rbac-off-'));
    // The install's setup step, as on any hub: it makes the role namespaces and their bindings.
    const admin = new k8s.KubeConfig();
    admin.loadFromFile(hub.kubeconfigPath);
    const credential = await setupHub({ admin, policy: policyFrom(policy), namespace: 'karpor-token-bot', server: hub.server, tokenSeconds: 3600 });
    const kubeconfig = path.join(tmp, 'config');
    fs.writeFileSync(kubeconfig, credential.kubeconfig, { mode: 0o600 });
    t = await startTestBot({ namespace: 'karpor-token-bot', prefix, policy, kubeconfig });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await hub?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the bot says so in help, in an alert in the log and in /metrics', async () => {
    expect(await rbacGauge(t)).toBe(0);
    expect(rbacAlerts(t).length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(rbacAlerts(t)[0]!)).toMatchObject({ level: 'error', alert: true });
    expect(await say(t, PEOPLE.engineer, 'help')).toMatch(RBAC_OFF_WARNING);
  });

  test('its tokens protect nothing: a garbage token logs in as well as the one the bot issued', async () => {
    await t.command(PEOPLE.engineer, 'guest 1h');
    const token = tokenIn(await t.slack.waitFor(() => t.slack.messages.find((m) => m.user === PEOPLE.engineer && tokenIn(m)), 15_000))!;
    expect(tokenOwner(token)?.namespace).toBe(`${prefix}-guests`);
    expect(await dashboardLogin(token, hub.server)).toBe(200);
    expect(await dashboardLogin('not-a-token', hub.server)).toBe(200);
  });
});
