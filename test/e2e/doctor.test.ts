// The check-up (`/karpor-token doctor`, alias `selftest`) against real hubs: the suite's (RBAC on,
// Karpor's default anonymous binding) and one with RBAC off. Its answer goes to approvers and
// revokers only; at start the bot runs it by itself, into the log and /metrics.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { PROBE_ACCOUNT } from '../../src/setup/hub-objects';
import { startHub, type RunningHub } from '../hub/harness';
import { writeKubeconfigForToken } from '../support/hub';
import { PEOPLE, startTestBot, type TestBot } from '../support/bot';
import { get } from '../faults/helpers';

/** Each line of the doctor's answer to `text`, by the person, as Slack received it. */
async function doctorAnswer(t: TestBot, userId: string, text = 'doctor'): Promise<{ text: string; lines: string[] }> {
  const sent = await t.command(userId, text);
  const id = sent.responseUrl.split('/').pop()!;
  const res = await t.slack.waitFor(() => t.slack.responses.find((r) => r.id === id), 60_000);
  const lines = ((res.body.blocks ?? []) as Array<{ type: string; text?: { text: string } }>).filter((b) => b.type === 'section').map((b) => b.text!.text);
  return { text: String(res.body.text), lines };
}

const line = (lines: string[], what: RegExp): string | undefined => lines.find((l) => what.test(l));

/** The start-up check-up has been logged. */
async function startUpCheckDone(t: TestBot): Promise<void> {
  await t.slack.waitFor(() => t.logs.find((l) => /doctor: check-up done/.test(l)), 60_000);
}

async function doctorGauges(t: TestBot): Promise<Record<string, number>> {
  const { body } = await get(t.url.replace('/slack/events', '/metrics'));
  const out: Record<string, number> = {};
  for (const m of body.matchAll(/^karpor_token_bot_doctor_check_status\{check="([^"]+)",role="([^"]*)"\} (\d)$/gm)) out[m[2] ? `${m[1]} ${m[2]}` : m[1]!] = Number(m[3]);
  return out;
}

describe("on the suite's hub: RBAC on, Karpor's default anonymous binding", () => {
  let t: TestBot;
  beforeAll(async () => {
    t = await startTestBot({ intervals: { doctorMs: 3_600_000 } });
    await startUpCheckDone(t);
  }, 90_000);
  afterAll(() => t?.stop());

  test('an approver gets one answer, a line per check, with what to do', async () => {
    const { text, lines } = await doctorAnswer(t, PEOPLE.approver);
    expect(text).toMatch(/^Karpor token bot check-up: \d+ problems?/);
    expect(line(lines, /RBAC is on/)).toMatch(/^✅/);
    expect(line(lines, /Reads are open without a token/)).toMatch(/^❌ .*a guest token protects nothing for reads.*kubectl patch clusterrole anonymous/);
    expect(line(lines, /Token maximum/)).toMatch(/^✅ \*Token maximum\*: the hub grants /);
    expect(line(lines, /karpor-admin/)).toMatch(/^✅ .*holds Karpor's default rules/);
    expect(line(lines, /karpor-guest/)).toMatch(/^✅ .*holds Karpor's default rules/);
    expect(line(lines, /hub identity/)).toMatch(/^✅ \*The bot's hub identity\* works/);
    // The test bot's hub token lasts an hour: well inside the week the check-up warns ahead.
    expect(line(lines, /hub credential/)).toMatch(/^⚠️ \*The bot's hub credential\* expires in (59m|1h).*if it cannot \(see the log\), run `setup-hub` again before then\./);
    expect(line(lines, /User groups/)).toMatch(/^✅/);
    expect(line(lines, /Approvers for `admin`/)).toMatch(/^✅ .*2 reachable, 1 needed/);
    for (const l of lines) expect(l).toMatch(/^(✅|⚠️|❌) /);
  });

  test('selftest is the same check-up', async () => {
    const doctor = await doctorAnswer(t, PEOPLE.approver, 'doctor');
    const selftest = await doctorAnswer(t, PEOPLE.approver, 'selftest');
    const strip = (ls: string[]) => ls.map((l) => l.replace(/<!date\^\d+\^[^>]*>/g, 'DATE').replace(/\d+h( \d+m)?|\d+m/g, 'T'));
    expect(strip(selftest.lines)).toEqual(strip(doctor.lines));
  });

  test('someone who is neither approver nor revoker is refused, and nothing is probed for them', async () => {
    const probesBefore = t.logs.filter((l) => /doctor: check-up done/.test(l)).length;
    const { text, lines } = await doctorAnswer(t, PEOPLE.engineer);
    expect(text).toBe('Only approvers and the people who may revoke grants can run the check-up (`/karpor-token doctor` or `selftest`).');
    expect(lines).toEqual([]);
    expect(t.logs.filter((l) => /doctor: check-up done/.test(l))).toHaveLength(probesBefore);
  });

  test('the start-up check-up is in the log (an alert for the open reads) and in /metrics', async () => {
    const alert = t.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'doctor: anonymous-reads fail');
    expect(alert).toMatchObject({ level: 'error', alert: true, doctor: { check: 'anonymous-reads', state: 'open' } });
    const gauges = await doctorGauges(t);
    expect(gauges).toMatchObject({ rbac: 0, 'anonymous-reads': 2, 'token-maximum': 0, 'hub-identity': 0, 'preset-role karpor-admin': 0, 'approvers admin': 0 });
  });
});

describe('on a hub with RBAC off', () => {
  let hub: RunningHub;
  let t: TestBot;
  let tmp: string;
  beforeAll(async () => {
    hub = await startHub({ rbac: false });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(hub.kubeconfigPath);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: PROBE_ACCOUNT } } });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doctor-rbac-off-'));
    // Any credential will do there: the hub ignores it and allows everything.
    const kubeconfig = path.join(tmp, 'config');
    writeKubeconfigForToken(kubeconfig, hub.server, 'not-a-token');
    t = await startTestBot({ namespace: 'default', kubeconfig, intervals: { doctorMs: 3_600_000 } });
    await startUpCheckDone(t);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await hub?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the check-up says RBAC is off, with the fix, and that reads are open', async () => {
    const { lines } = await doctorAnswer(t, PEOPLE.approver);
    expect(line(lines, /RBAC is off/)).toMatch(/^❌ .*the tokens protect nothing\. Turn RBAC on: `helm upgrade .*--set server\.enableRbac=true`/);
    expect(line(lines, /Reads are open without a token/)).toMatch(/^❌/);
    expect((await doctorGauges(t)).rbac).toBe(2);
  });
});
