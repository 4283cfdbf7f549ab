// Health, readiness, metrics, the RBAC-off warning and graceful shutdown, through real HTTP on
// a running bot.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { hubServer } from '../support/hub';
import { startHubProxy, type HubProxy } from '../support/hub-proxy';
import { PEOPLE, startTestBot, tokenIn, type TestBot } from '../support/bot';
import { blockActionPayload, viewSubmissionPayload } from '../support/slack-requests';

const pkgVersion = (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;

function get(base: string, path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(new URL(path, base), (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
      })
      .on('error', reject);
  });
}

/** The value of one series in Prometheus text output. */
function series(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text.split('\n').find((l) => l.startsWith(name) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)) && (l[name.length] === ' ' || l[name.length] === '{'));
  return line ? Number(line.split(' ').pop()) : NaN;
}

let t: TestBot;
let base: string;
beforeAll(async () => {
  t = await startTestBot();
  base = t.url.replace('/slack/events', '');
});
afterAll(() => t.stop());

test('/healthz and /readyz answer; /readyz is about the pod, not the hub', async () => {
  expect(await get(base, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
  const ready = await get(base, '/readyz');
  expect(ready.status).toBe(200);
  expect(JSON.parse(ready.body)).toEqual({ started: true, accepting: true, slack: true });

  const proxy = await startHubProxy(hubServer());
  const cut = await startTestBot({ namespace: t.namespace, hubServer: proxy.server });
  // The identity watches list and re-watch on their own schedule (retrying while the hub is cut).
  const notWatches = (from: number) => proxy.seen.slice(from).filter((s) => !/^GET \S*\/(serviceaccounts|clusterrolebindings)$/.test(s));
  try {
    proxy.fault = () => ({ drop: true });
    const seen = proxy.seen.length;
    const stillReady = await get(cut.url.replace('/slack/events', ''), '/readyz');
    expect(stillReady.status).toBe(200);
    expect(notWatches(seen)).toEqual([]);
  } finally {
    await cut.stop();
    await proxy.stop();
  }
});

test('/metrics counts tokens, commands, approvals, latencies and membership cache hits', async () => {
  await t.command(PEOPLE.engineer, 'guest 1h');
  await t.slack.waitFor(() => t.slack.messages.find((m) => tokenIn(m)), 15_000);
  await t.command(PEOPLE.engineer, 'guest 99h');
  const sent = await t.command(PEOPLE.platformAdmin, 'admin 1h -- metrics');
  const card = await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.approver}` && JSON.stringify(m.blocks).includes('request_deny')), 15_000);
  const id = JSON.stringify(card.blocks).match(/"request_deny".*?"value":"([a-z0-9]+)"/)![1]!;
  await t.interact(blockActionPayload({ userId: PEOPLE.approver, actionId: 'request_deny', value: id, responseUrl: t.slack.responseUrl('deny') }));
  await t.interact(viewSubmissionPayload({ userId: PEOPLE.approver, callbackId: 'deny_reason', privateMetadata: JSON.stringify({ requestId: id }), values: { reason: { reason_input: { type: 'plain_text_input', value: 'no' } } } }));
  await t.slack.waitFor(() => t.slack.calls.find((c) => c.method === 'chat.update'), 15_000);
  expect(sent.status).toBe(200);

  const { status, body, type } = await get(base, '/metrics');
  expect(status).toBe(200);
  expect(type).toMatch(/^text\/plain/);
  expect(series(body, 'karpor_token_bot_tokens_issued_total', { role: 'guest' })).toBe(1);
  expect(series(body, 'karpor_token_bot_commands_total', { outcome: 'issued' })).toBe(1);
  expect(series(body, 'karpor_token_bot_commands_total', { outcome: 'refused' })).toBe(1);
  expect(series(body, 'karpor_token_bot_commands_total', { outcome: 'approval' })).toBe(1);
  expect(series(body, 'karpor_token_bot_approval_requests_total', { outcome: 'opened' })).toBe(1);
  expect(series(body, 'karpor_token_bot_approval_requests_total', { outcome: 'denied' })).toBe(1);
  expect(series(body, 'karpor_token_bot_command_to_dm_seconds_count')).toBe(1);
  expect(series(body, 'karpor_token_bot_hub_request_duration_seconds_count', { op: 'token request', outcome: 'ok' })).toBe(1);
  expect(series(body, 'karpor_token_bot_hub_request_duration_seconds_count', { op: 'create grant', outcome: 'ok' })).toBe(1);
  expect(series(body, 'karpor_token_bot_hub_request_duration_seconds_count', { op: 'record real expiry' })).toBeNaN();
  expect(series(body, 'karpor_token_bot_slack_request_duration_seconds_count', { method: 'chat.postEphemeral', outcome: 'ok' })).toBe(1);
  expect(series(body, 'karpor_token_bot_group_membership_lookups_total', { result: 'hit' })).toBeGreaterThanOrEqual(3);
  // The test hub answers /server-configs as Karpor does, with RBAC on.
  expect(series(body, 'karpor_token_bot_hub_rbac_known')).toBe(1);
  expect(series(body, 'karpor_token_bot_hub_rbac_enabled')).toBe(1);
  expect(series(body, 'karpor_token_bot_build_info', { version: pkgVersion, node_version: process.version })).toBe(1);
  expect(series(body, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  // Metrics carry no token and no person.
  expect(body).not.toMatch(/eyJ|U0ENGINEER/);
});

test('housekeeping counts the live grants and the requests waiting for a decision', async () => {
  const metricsNow = async () => (await get(base, '/metrics')).body;
  await t.bot.housekeeping.run();
  // The earlier test left one live guest grant and a denied request.
  expect(series(await metricsNow(), 'karpor_token_bot_live_grants')).toBe(1);
  expect(series(await metricsNow(), 'karpor_token_bot_pending_requests')).toBe(0);
  await t.command(PEOPLE.platformAdmin, 'admin 1h -- gauges');
  await t.slack.waitFor(() => t.slack.messages.filter((m) => m.channel === `D${PEOPLE.approver}` && JSON.stringify(m.blocks ?? []).includes('request_deny')).length === 2, 15_000);
  await t.bot.housekeeping.run();
  expect(series(await metricsNow(), 'karpor_token_bot_pending_requests')).toBe(1);
});

describe('a hub with RBAC turned off', () => {
  let proxy: HubProxy;
  let off: TestBot;
  beforeAll(async () => {
    proxy = await startHubProxy(hubServer(), { serverConfigs: { CoreOptions: { EnableRBAC: false, ReadOnlyMode: false }, Version: 'v0.6.4' } });
    off = await startTestBot({ namespace: t.namespace, hubServer: proxy.server });
  });
  afterAll(async () => {
    await off.stop();
    await proxy.stop();
  });

  test('is logged loudly, shown in help and exported as a metric', async () => {
    expect(await off.bot.rbac.check()).toBe(false);
    expect(off.logs.some((l) => /"level":"error"/.test(l) && /"alert":true/.test(l) && /RBAC turned off/.test(l))).toBe(true);
    const sent = await off.command(PEOPLE.engineer, 'help');
    const id = sent.responseUrl.split('/').pop();
    const res = await off.slack.waitFor(() => off.slack.responses.find((r) => r.id === id), 15_000);
    expect(String(res.body.text)).toMatch(/^:warning: The Karpor hub has RBAC turned off/);
    const metricsOf = async () => (await get(off.url.replace('/slack/events', ''), '/metrics')).body;
    const rbacOff = await metricsOf();
    expect([series(rbacOff, 'karpor_token_bot_hub_rbac_known'), series(rbacOff, 'karpor_token_bot_hub_rbac_enabled')]).toEqual([1, 0]);
    proxy.serverConfigs = { CoreOptions: { EnableRBAC: true, ReadOnlyMode: false }, Version: 'v0.6.4' };
    expect(await off.bot.rbac.check()).toBe(true);
    const rbacOn = await metricsOf();
    expect([series(rbacOn, 'karpor_token_bot_hub_rbac_known'), series(rbacOn, 'karpor_token_bot_hub_rbac_enabled')]).toEqual([1, 1]);
  });
});

test('stop() finishes work in flight and then takes no more', async () => {
  const proxy = await startHubProxy(hubServer());
  const slow = await startTestBot({ namespace: t.namespace, hubServer: proxy.server });
  proxy.fault = (method, path) => (method === 'POST' && path.endsWith('/token') ? { delayMs: 800 } : undefined);
  const sent = await slow.command(PEOPLE.engineer, 'guest');
  expect(sent.status).toBe(200);
  await new Promise((r) => setTimeout(r, 200));
  await slow.stop();
  expect(slow.slack.messages.some((m) => tokenIn(m))).toBe(true);
  await expect(slow.command(PEOPLE.engineer, 'guest')).rejects.toThrow();
  await proxy.stop();
});
