// Each person's language end to end: the fake Slack says a person's locale on users.info, the
// real receiver takes their command, the real hub issues the token. What the person reads is in
// their language; the approval card, which everyone in the channel shares, in the policy's.
import { hubRequest } from '../support/hub';
import { answerAt, buttonValue, PEOPLE, startTestBot, testPolicy, tokenIn, type TestBot } from '../support/bot';
import { appHomeOpenedEvent, blockActionPayload, viewSubmissionPayload } from '../support/slack-requests';

const HAN = /\p{Script=Han}/u;
const APPROVALS = 'C0APPROVALS';
const issued: string[] = [];
let t: TestBot;

beforeAll(async () => {
  t = await startTestBot({ policy: testPolicy(`lang${Date.now().toString(36).slice(-5)}`, { approvalsChannel: APPROVALS }) });
  t.slack.setLocale(PEOPLE.platformAdmin, 'zh-CN');
  t.slack.setLocale(PEOPLE.approver, 'en-GB');
  t.slack.setLocale(PEOPLE.approver2, 'zh-TW');
});
afterAll(async () => {
  const logs = t.logs.join('\n');
  for (const token of issued) expect(logs).not.toContain(token);
  await t.stop();
});
beforeEach(() => t.slack.reset());

const tokenDm = (userId: string) => t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postEphemeral' && m.user === userId && tokenIn(m)), 15_000);

test('a zh-CN person asks for guest 1h: the answer and the DM are in Chinese, and the token works', async () => {
  const sent = await t.command(PEOPLE.platformAdmin, 'guest 1h');
  expect(sent.status).toBe(200);
  const answer = await answerAt(t, sent.responseUrl.split('/').pop()!);
  expect(answer).toMatch(/^你的 `guest` 令牌已发到我们的私信中。它将于 <!date\^\d+\^[^>]+>（(59分钟|1小时)后）过期。$/);
  const dm = await tokenDm(PEOPLE.platformAdmin);
  const token = tokenIn(dm)!;
  issued.push(token);
  expect(dm.text).toMatch(/^你的 Karpor guest 令牌，有效至 /);
  expect(JSON.stringify(dm.blocks)).toContain('请把它粘贴到 Karpor 控制台 的登录页');
  const card = await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postMessage' && m.channel === `D${PEOPLE.platformAdmin}` && buttonValue(m, 'grant_show_again')), 15_000);
  expect(JSON.stringify(card.blocks)).toContain('"再次显示令牌"');
  expect(t.slack.callsTo('users.info')[0]?.args).toMatchObject({ user: PEOPLE.platformAdmin, include_locale: 'true' });

  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
  expect(await hubRequest(token, 'POST', '/rest-api/v1/cluster/x')).toBe(403);
});

test('the same person\'s language is kept: a second command asks Slack nothing more', async () => {
  const sent = await t.command(PEOPLE.platformAdmin, 'status');
  expect(await answerAt(t, sent.responseUrl.split('/').pop()!)).toMatch(/^你生效中的 Karpor 授权：/);
  expect(t.slack.callsTo('users.info')).toEqual([]);
});

test('an admin request: pending in Chinese for the requester, the card in the channel in English, the approver answered in English', async () => {
  const sent = await t.command(PEOPLE.platformAdmin, 'admin 1h -- 事故 4711 &lt;b&gt; &amp;');
  const pending = await t.slack.waitFor(() => t.slack.responses.find((r) => r.id === sent.responseUrl.split('/').pop()), 15_000);
  expect(pending.body.text).toMatch(/^你对 `admin`（1h）的申请正在等待审批/);
  expect(JSON.stringify(pending.body.blocks)).toContain('"取消申请"');

  const card = await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postMessage' && m.channel === APPROVALS && buttonValue(m, 'request_approve')), 15_000);
  const cardJson = JSON.stringify(card.blocks);
  expect(cardJson).toContain(`<@${PEOPLE.platformAdmin}> asks for *admin* for *1h*.`);
  expect(cardJson).toContain('*It allows* (ClusterRole `karpor-admin`)');
  // The reason is the person's own words, escaped as ever.
  expect(cardJson).toContain('事故 4711 &lt;b&gt; &amp;');
  expect(cardJson).not.toContain('<b>');
  expect(cardJson.replace('事故', '')).not.toMatch(HAN);

  const id = buttonValue(card, 'request_approve')!;
  await t.interact(blockActionPayload({ userId: PEOPLE.approver, actionId: 'request_approve', value: id, responseUrl: t.slack.responseUrl('approve-zh') }));
  expect(await answerAt(t, 'approve-zh')).toBe(`Approved. <@${PEOPLE.platformAdmin}> gets the token now.`);
  const dm = await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postEphemeral' && m.user === PEOPLE.platformAdmin && tokenIn(m) && m.text?.includes('admin')), 15_000);
  const token = tokenIn(dm)!;
  issued.push(token);
  expect(dm.text).toMatch(/^你的 Karpor admin 令牌/);
  const told = await t.slack.waitFor(() => t.slack.messages.find((m) => m.method === 'chat.postMessage' && m.channel === `D${PEOPLE.platformAdmin}` && m.text?.includes('批准了你对 `admin` 的申请')), 15_000);
  expect(told.text).toContain(`<@${PEOPLE.approver}>`);
  const redrawn = await t.slack.waitFor(() => t.slack.calls.find((c) => c.method === 'chat.update' && JSON.stringify(c.args.blocks).includes('*Approved* by')), 15_000);
  expect(JSON.stringify(redrawn.args.blocks).replace('事故', '')).not.toMatch(HAN);
  expect(await hubRequest(token, 'POST', '/rest-api/v1/cluster/x')).toBe(404);
});

test('the forms: the reason form and its error, the pending DM, and an approver\'s deny form, each in its reader\'s language', async () => {
  await t.command(PEOPLE.platformAdmin, 'admin 1h');
  const form = await t.slack.waitFor(() => t.slack.views.find((v) => v.method === 'views.open'), 15_000);
  expect(form.view.title.text).toBe('Karpor 访问');
  expect(JSON.stringify(form.view.blocks)).toContain('"你为什么需要它？"');
  const reason = (value: string) => viewSubmissionPayload({ userId: PEOPLE.platformAdmin, callbackId: 'request_reason', privateMetadata: form.view.private_metadata, values: { reason: { reason_input: { type: 'plain_text_input', value } } } });
  const empty = await t.interact(reason('  '));
  expect(JSON.parse(empty.body)).toEqual({ response_action: 'errors', errors: { reason: '请说明你为什么需要访问权限。' } });
  await t.interact(reason('升级集群'));
  const pending = await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.platformAdmin}` && buttonValue(m, 'request_cancel')), 15_000);
  expect(pending.text).toMatch(/^你对 `admin`（1h）的申请正在等待审批/);

  // The approver reading Chinese (zh-TW reads Simplified Chinese) denies it: the form in Chinese, the card in English.
  const card = await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === APPROVALS && JSON.stringify(m.blocks).includes('升级集群') && buttonValue(m, 'request_deny')), 15_000);
  t.slack.reset();
  await t.interact(blockActionPayload({ userId: PEOPLE.approver2, actionId: 'request_deny', value: buttonValue(card, 'request_deny')!, responseUrl: t.slack.responseUrl('deny-zh') }));
  const deny = await t.slack.waitFor(() => t.slack.views.find((v) => v.method === 'views.open'), 15_000);
  expect(deny.view.title.text).toBe('拒绝申请');
  await t.interact(viewSubmissionPayload({ userId: PEOPLE.approver2, callbackId: 'deny_reason', privateMetadata: deny.view.private_metadata, values: { reason: { reason_input: { type: 'plain_text_input', value: '请改用 guest' } } } }));
  const told = await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.platformAdmin}` && m.text?.includes('拒绝了你对 `admin`（1h）的申请：请改用 guest')), 15_000);
  expect(told.text).toContain(`<@${PEOPLE.approver2}>`);
  const answered = await t.slack.waitFor(() => t.slack.messages.find((m) => m.channel === `D${PEOPLE.approver2}` && m.text === '已拒绝；已告知申请人原因。'), 15_000);
  expect(answered).toBeDefined();
  const redrawn = await t.slack.waitFor(() => t.slack.calls.find((c) => c.method === 'chat.update' && JSON.stringify(c.args.blocks).includes('*Denied* by')), 15_000);
  expect(JSON.stringify(redrawn.args.blocks)).toContain('请改用 guest');
});

test('the Home tab is in the person\'s language', async () => {
  await t.event(appHomeOpenedEvent(PEOPLE.platformAdmin));
  const home = await t.slack.waitFor(() => t.slack.homes.get(PEOPLE.platformAdmin), 15_000);
  const json = JSON.stringify(home.blocks);
  expect(json).toContain('"你的授权"');
  expect(json).toContain('"立即撤销"');
});

test('when Slack does not say the locale, the answer is in the policy\'s language, and the token still comes', async () => {
  t.slack.fault('users.info', { error: 'missing_scope', times: 1 });
  const sent = await t.command(PEOPLE.engineer, 'guest 1h');
  expect(await answerAt(t, sent.responseUrl.split('/').pop()!)).toMatch(/^Your `guest` token is in your DM with me\./);
  const dm = await tokenDm(PEOPLE.engineer);
  issued.push(tokenIn(dm)!);
  expect(dm.text).toMatch(/^Your Karpor guest token/);
  expect(t.slack.callsTo('users.info').map((c) => c.error)).toEqual(['missing_scope']);
  expect(t.logs.join('\n')).toMatch(/Slack language not known/);
});

test('a policy in Chinese: cards in Chinese, and people in a language the bot does not speak read Chinese', async () => {
  const zh = await startTestBot({ namespace: t.namespace, policy: testPolicy(`${t.prefix}z`, { approvalsChannel: APPROVALS, language: 'zh-CN' }) });
  try {
    zh.slack.setLocale(PEOPLE.platformAdmin, 'ja-JP');
    const sent = await zh.command(PEOPLE.platformAdmin, 'admin 1h -- incident 4712');
    const pending = await zh.slack.waitFor(() => zh.slack.responses.find((r) => r.id === sent.responseUrl.split('/').pop()), 15_000);
    expect(pending.body.text).toMatch(/^你对 `admin`（1h）的申请正在等待审批/);
    const card = await zh.slack.waitFor(() => zh.slack.messages.find((m) => m.method === 'chat.postMessage' && m.channel === APPROVALS && buttonValue(m, 'request_approve')), 15_000);
    expect(JSON.stringify(card.blocks)).toContain(`<@${PEOPLE.platformAdmin}> 申请 *admin*，时长 *1h*。`);
    expect(card.text).toMatch(/^Karpor 访问申请 /);
  } finally {
    await zh.stop();
  }
});
