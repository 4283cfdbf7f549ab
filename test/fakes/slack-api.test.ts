import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type Logger } from '@slack/bolt';
import { ErrorCode, WebClient, type WebAPIHTTPError, type WebAPIPlatformError } from '@slack/web-api';
import { FAKE_SLACK_DEFAULTS, startFakeSlack, type FakeSlack } from './slack-api';
import {
  blockActionPayload,
  interactionBody,
  postSigned,
  signRequest,
  slashCommandBody,
  viewSubmissionPayload,
} from '../support/slack-requests';

const BOT_TOKEN = 'xoxb-fake-bot-token';
const SIGNING_SECRET = 'fake-signing-secret-0123456789abcdef';

function client(fake: FakeSlack, extra: ConstructorParameters<typeof WebClient>[1] = {}, token = BOT_TOKEN) {
  return new WebClient(token, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR, ...extra });
}

async function expectSlackError(p: Promise<unknown>): Promise<WebAPIPlatformError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeDefined();
  expect((err as WebAPIPlatformError).code).toBe(ErrorCode.PlatformError);
  return err as WebAPIPlatformError;
}

describe('fake Slack Web API', () => {
  let fake: FakeSlack;

  beforeAll(async () => {
    fake = await startFakeSlack({
      botToken: BOT_TOKEN,
      users: [
        { id: 'U001', name: 'alice', realName: 'Alice A' },
        { id: 'U002', name: 'bob' },
      ],
      usergroups: [
        { id: 'S001', handle: 'karpor-admins', name: 'Karpor admins', users: ['U001'] },
        { id: 'S002', handle: 'old', users: ['U002'], disabled: true },
      ],
    });
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.reset();
    fake.clearFaults();
    fake.setPlanUpgradeRequired(false);
  });

  test('auth.test answers like Slack and checks the bearer token', async () => {
    const res = await client(fake).auth.test();
    expect(res).toMatchObject({
      ok: true,
      user_id: FAKE_SLACK_DEFAULTS.botUserId,
      bot_id: FAKE_SLACK_DEFAULTS.botId,
      team_id: FAKE_SLACK_DEFAULTS.teamId,
      url: expect.stringMatching(/^https:\/\/.+\.slack\.com\/$/),
    });
    expect(fake.callsTo('auth.test')).toHaveLength(1);
    expect(fake.calls[0]!.token).toBe('ok');
    expect(fake.calls[0]!.args).not.toHaveProperty('token');
  });

  test('conversations.open + chat.postEphemeral are recorded with blocks parsed', async () => {
    const web = client(fake);
    const open = await web.conversations.open({ users: 'U001' });
    expect(open.channel?.id).toBe('DU001');
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'your token' } }];
    const eph = await web.chat.postEphemeral({ channel: 'DU001', user: 'U001', text: 'fallback', blocks });
    expect(eph.message_ts).toMatch(/^\d+\.\d{6}$/);

    const call = fake.callsTo('chat.postEphemeral')[0]!;
    expect(call.args.blocks).toEqual(blocks);
    expect(fake.messages).toEqual([
      expect.objectContaining({ method: 'chat.postEphemeral', channel: 'DU001', user: 'U001', text: 'fallback', blocks, ts: eph.message_ts }),
    ]);

    // Ephemeral messages are not stored by Slack, so they cannot be updated.
    const err = await expectSlackError(web.chat.update({ channel: 'DU001', ts: eph.message_ts!, text: 'x' }));
    expect(err.data.error).toBe('message_not_found');
    // ...and only go to a member of the DM.
    const err2 = await expectSlackError(web.chat.postEphemeral({ channel: 'DU001', user: 'U002', text: 'x' }));
    expect(err2.data.error).toBe('user_not_in_channel');
  });

  test('chat.postMessage to a user ID lands in the DM; ts increases; update and delete work', async () => {
    const web = client(fake);
    const a = await web.chat.postMessage({ channel: 'U002', text: 'one' });
    const b = await web.chat.postMessage({ channel: 'U002', text: 'two' });
    expect(a.channel).toBe('DU002');
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
    expect(a.message).toMatchObject({ text: 'one', user: FAKE_SLACK_DEFAULTS.botUserId, ts: a.ts });
    const up = await web.chat.update({ channel: a.channel!, ts: a.ts!, text: 'one (edited)' });
    expect(up).toMatchObject({ ok: true, channel: 'DU002', ts: a.ts, text: 'one (edited)' });
    await web.chat.delete({ channel: b.channel!, ts: b.ts! });
    expect(fake.messages.map((m) => [m.method, m.text])).toEqual([
      ['chat.postMessage', 'one'],
      ['chat.postMessage', 'two'],
      ['chat.update', 'one (edited)'],
    ]);
    expect((await expectSlackError(web.chat.postMessage({ channel: 'C1', text: '' }))).data.error).toBe('no_text');
  });

  test('views.open / views.update are recorded', async () => {
    const web = client(fake);
    const view = { type: 'modal' as const, callback_id: 'cb', title: { type: 'plain_text' as const, text: 'T' }, blocks: [] };
    const opened = await web.views.open({ trigger_id: '1.2.abc', view });
    expect(opened.view).toMatchObject({ id: expect.stringMatching(/^V/), callback_id: 'cb', hash: expect.any(String) });
    await web.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: { ...view, callback_id: 'cb2' } });
    expect(fake.views.map((v) => [v.method, v.viewId, v.view.callback_id])).toEqual([
      ['views.open', opened.view!.id, 'cb'],
      ['views.update', opened.view!.id, 'cb2'],
    ]);
    const stale = await expectSlackError(web.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view }));
    expect(stale.data.error).toBe('hash_conflict');
  });

  test('usergroups.list with include_users, and runtime membership changes', async () => {
    const web = client(fake);
    const withUsers = await web.usergroups.list({ include_users: true });
    expect(withUsers.usergroups).toEqual([
      expect.objectContaining({ id: 'S001', handle: 'karpor-admins', name: 'Karpor admins', users: ['U001'], date_delete: 0 }),
    ]);
    const without = await web.usergroups.list({});
    expect(without.usergroups![0]).not.toHaveProperty('users');
    expect((await web.usergroups.list({ include_disabled: true })).usergroups).toHaveLength(2);
    expect(fake.callsTo('usergroups.list')[0]!.args.include_users).toBe('true');

    fake.setUsergroups([{ id: 'S001', handle: 'karpor-admins', users: ['U001', 'U002'] }]);
    expect((await web.usergroups.users.list({ usergroup: 'S001' })).users).toEqual(['U001', 'U002']);
    expect((await expectSlackError(web.usergroups.users.list({ usergroup: 'S999' }))).data.error).toBe('no_such_subteam');
  });

  test('usergroups.* answer plan_upgrade_required on a free workspace', async () => {
    fake.setPlanUpgradeRequired(true);
    const web = client(fake);
    expect((await expectSlackError(web.usergroups.list({ include_users: true }))).data.error).toBe('plan_upgrade_required');
    expect((await expectSlackError(web.usergroups.users.list({ usergroup: 'S001' }))).data.error).toBe('plan_upgrade_required');

    const free = await startFakeSlack({ usergroupsPlanUpgradeRequired: true });
    try {
      expect((await expectSlackError(client(free).usergroups.list({}))).data.error).toBe('plan_upgrade_required');
    } finally {
      await free.stop();
    }
  });

  test('users.info and unknown methods', async () => {
    const web = client(fake);
    const info = await web.users.info({ user: 'U001' });
    expect(info.user).toMatchObject({ id: 'U001', name: 'alice', real_name: 'Alice A', is_bot: false });
    expect(info.user).not.toHaveProperty('locale');
    expect((await expectSlackError(web.users.info({ user: 'U404' }))).data.error).toBe('user_not_found');
    expect((await expectSlackError(web.apiCall('no.such.method'))).data.error).toBe('unknown_method');
  });

  test('users.info says the locale only when asked (Slack\'s default en-US unless set)', async () => {
    const web = client(fake);
    expect((await web.users.info({ user: 'U001', include_locale: true })).user?.locale).toBe('en-US');
    fake.setLocale('U001', 'zh-CN');
    expect((await web.users.info({ user: 'U001', include_locale: true })).user?.locale).toBe('zh-CN');
  });

  test('429 with Retry-After: a retrying client waits and then succeeds', async () => {
    fake.fault('chat.postMessage', { status: 429, retryAfter: 1, times: 1 });
    const web = client(fake, { retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 } });
    const started = Date.now();
    const res = await web.chat.postMessage({ channel: 'C1', text: 'hello' });
    expect(res.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(fake.messages).toHaveLength(1);
  });

  test('429 without retries: rejectRateLimitedCalls gives a rate-limit error', async () => {
    fake.fault('usergroups.list', { status: 429, retryAfter: 30 });
    const web = client(fake, { rejectRateLimitedCalls: true });
    const err = await web.usergroups.list({}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 30 });
  });

  test('429 with retries: 0 still sleeps Retry-After, then fails as a request error', async () => {
    fake.fault('auth.test', { status: 429, retryAfter: 1, times: 1 });
    const started = Date.now();
    const err = await client(fake).auth.test().catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(err).toMatchObject({ code: ErrorCode.RequestError });
  });

  test('500 fault gives an HTTP error; faults run out after `times`', async () => {
    fake.fault('auth.test', { status: 500, times: 1 });
    const web = client(fake);
    const err = (await web.auth.test().catch((e: unknown) => e)) as WebAPIHTTPError;
    expect(err.code).toBe(ErrorCode.HTTPError);
    expect(err.statusCode).toBe(500);
    expect((await web.auth.test()).ok).toBe(true);
  });

  test('Slack error body and delay faults', async () => {
    fake.fault('views.open', { error: 'expired_trigger_id', times: 1 });
    fake.fault('auth.test', { delayMs: 200, times: 1 });
    const web = client(fake);
    const err = await expectSlackError(web.views.open({ trigger_id: '1.2.x', view: { type: 'modal', title: { type: 'plain_text', text: 't' }, blocks: [] } }));
    expect(err.data.error).toBe('expired_trigger_id');
    const started = Date.now();
    await web.auth.test();
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
  });

  test('wrong token gets invalid_auth, missing token not_authed', async () => {
    const wrong = await expectSlackError(client(fake, {}, 'xoxb-wrong').auth.test());
    expect(wrong.data.error).toBe('invalid_auth');
    const missing = await expectSlackError(new WebClient(undefined, { slackApiUrl: fake.url, retryConfig: { retries: 0 } }).auth.test());
    expect(missing.data.error).toBe('not_authed');
    expect(fake.calls.map((c) => c.token)).toEqual(['wrong', 'missing']);
  });

  test('JSON bodies are accepted too, and response URLs record what is POSTed', async () => {
    const res = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C1', text: 'hi', blocks: [{ type: 'divider' }] }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C1' });
    expect(fake.messages[0]).toMatchObject({ channel: 'C1', blocks: [{ type: 'divider' }] });

    const url = fake.responseUrl('abc');
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'done', replace_original: true }) });
    expect(r.status).toBe(200);
    expect(fake.responses).toEqual([{ id: 'abc', body: { text: 'done', replace_original: true }, at: expect.any(Number) }]);
  });

  test('waitFor polls until a condition holds and times out otherwise', async () => {
    setTimeout(() => void client(fake).chat.postMessage({ channel: 'C1', text: 'later' }), 50);
    const msg = await fake.waitFor(() => fake.messages.find((m) => m.text === 'later'));
    expect(msg.channel).toBe('C1');
    await expect(fake.waitFor(() => false, 50)).rejects.toThrow(/within 50 ms/);
  });
});

describe('signed requests into a real Bolt app', () => {
  let fake: FakeSlack;
  let app: App;
  let endpoint: string;
  const warnings: string[] = [];
  let authTestsAtStart: Array<{ token?: string; status: number }> = [];

  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (...msg: unknown[]) => void warnings.push(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => void warnings.push(msg.map(String).join(' ')),
    setLevel: () => undefined,
    getLevel: () => LogLevel.WARN,
    setName: () => undefined,
  };

  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: BOT_TOKEN });
    app = new App({
      token: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      logger,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    app.command('/karpor-token', async ({ ack, command, client: web }) => {
      await ack();
      await web.chat.postEphemeral({ channel: command.channel_id, user: command.user_id, text: `got: ${command.text}` });
    });
    app.action('renew', async ({ ack, respond, body }) => {
      await ack();
      await respond({ replace_original: true, text: `renewed for ${body.user.id}` });
    });
    app.view('ask', async ({ ack, view }) => {
      const ns = view.state.values.ns_block?.ns?.value;
      if (!ns) return ack({ response_action: 'errors', errors: { ns_block: 'required' } });
      return ack();
    });
    // Binding to loopback only; start() resolves with the node http.Server.
    const server: Server = await app.start({ port: 0, host: '127.0.0.1' });
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    await fake.waitFor(() => fake.callsTo('auth.test').length > 0);
    authTestsAtStart = fake.callsTo('auth.test').map((c) => ({ token: c.token, status: c.status }));
  });
  afterAll(async () => {
    await app.stop();
    await fake.stop();
  });
  beforeEach(() => {
    fake.reset();
    warnings.length = 0;
  });

  test('Bolt called auth.test once, from the App constructor', () => {
    expect(authTestsAtStart).toEqual([{ token: 'ok', status: 200 }]);
  });

  test('a signed slash command is acked with 200 and the listener reaches the fake', async () => {
    const body = slashCommandBody({ userId: 'U001', text: 'prod', responseUrl: fake.responseUrl() });
    const res = await postSigned(endpoint, SIGNING_SECRET, body);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const call = await fake.waitFor(() => fake.callsTo('chat.postEphemeral')[0]);
    expect(call.args).toMatchObject({ channel: 'DU001', user: 'U001', text: 'got: prod' });
    expect(call.token).toBe('ok');
  });

  test('a wrong signature gets 401 with an empty body', async () => {
    const body = slashCommandBody({ userId: 'U001', text: 'prod', responseUrl: fake.responseUrl() });
    const res = await postSigned(endpoint, 'not-the-secret', body);
    expect(res.status).toBe(401);
    expect(res.body).toBe('');
    expect(warnings.join('\n')).toMatch(/signature mismatch/);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.callsTo('chat.postEphemeral')).toEqual([]);
  });

  test('a timestamp older than 5 minutes gets 401', async () => {
    const body = slashCommandBody({ userId: 'U001', text: 'prod', responseUrl: fake.responseUrl() });
    const res = await postSigned(endpoint, SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(res.status).toBe(401);
    expect(warnings.join('\n')).toMatch(/stale/);
  });

  test('a charset suffix on the content type is not parsed as a form: 400', async () => {
    const body = slashCommandBody({ userId: 'U001', text: 'prod', responseUrl: fake.responseUrl() });
    const res = await postSigned(endpoint, SIGNING_SECRET, body, {
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    });
    expect(res.status).toBe(400);
  });

  test('a block action click: respond() reaches the fake response URL', async () => {
    const responseUrl = fake.responseUrl('click-1');
    const payload = blockActionPayload({ userId: 'U002', actionId: 'renew', value: 'prod', responseUrl, ephemeral: true });
    const res = await postSigned(endpoint, SIGNING_SECRET, interactionBody(payload));
    expect(res.status).toBe(200);
    const r = await fake.waitFor(() => fake.responses.find((x) => x.id === 'click-1'));
    expect(r.body).toEqual({ replace_original: true, text: 'renewed for U002' });
  });

  test('a view submission gets its ack body back', async () => {
    const bad = viewSubmissionPayload({ userId: 'U001', callbackId: 'ask', values: { ns_block: { ns: { type: 'plain_text_input', value: '' } } } });
    const res = await postSigned(endpoint, SIGNING_SECRET, interactionBody(bad));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ response_action: 'errors', errors: { ns_block: 'required' } });

    const good = viewSubmissionPayload({ userId: 'U001', callbackId: 'ask', values: { ns_block: { ns: { type: 'plain_text_input', value: 'default' } } } });
    const ok = await postSigned(endpoint, SIGNING_SECRET, interactionBody(good));
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('');
  });

  test('signRequest reproduces the example in Slack\'s request-signing docs', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
      '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signRequest('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618)).toEqual({
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'x-slack-request-timestamp': '1531420618',
      'content-type': 'application/x-www-form-urlencoded',
    });
  });
});
