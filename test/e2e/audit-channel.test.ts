// The policy's audit channel: one line per grant issued, shown again, revoked and expired, and per
// request opened and decided, posted by the bot to the channel on the fake Slack; never a token.
import { hubRequest, loginAfterRevocation, uniqueName } from '../support/hub';
import { buttonValue, click, movableClock, PEOPLE, startTestBot, testPolicy, tokenIn, type TestBot } from '../support/bot';
import { blockActionPayload, viewSubmissionPayload } from '../support/slack-requests';

const AUDIT = 'C0AUDIT01';
const clock = movableClock();
const prefix = uniqueName('au').slice(0, 12);
let t: TestBot;
const issued: string[] = [];

beforeAll(async () => {
  t = await startTestBot({ clock, prefix, policy: testPolicy(prefix, { auditChannel: AUDIT }) });
});
afterAll(async () => {
  const lines = t.slack.messages.filter((m) => m.channel === AUDIT).map((m) => JSON.stringify(m)).join('\n');
  for (const token of issued) expect(lines).not.toContain(token);
  expect(lines).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\./);
  await t.stop();
});

const auditLines = () => t.slack.messages.filter((m) => m.channel === AUDIT && m.method === 'chat.postMessage').map((m) => m.text ?? '');
const lineMatching = (re: RegExp) => t.slack.waitFor(() => auditLines().find((l) => re.test(l)), 15_000);

async function tokenAndCard(userId: string, seen: number) {
  const dm = await t.slack.waitFor(() => t.slack.messages.slice(seen).find((m) => m.method === 'chat.postEphemeral' && m.user === userId && tokenIn(m)), 15_000);
  const card = await t.slack.waitFor(() => t.slack.messages.slice(seen).find((m) => m.channel === `D${userId}` && buttonValue(m, 'grant_show_again')), 15_000);
  issued.push(tokenIn(dm)!);
  return { token: tokenIn(dm)!, grantId: buttonValue(card, 'grant_show_again')! };
}

test('a grant issued, shown again and revoked: a line each, who as a mention, role, how long, by whom', async () => {
  const seen = t.slack.messages.length;
  await t.command(PEOPLE.engineer, 'guest 2h');
  const { grantId } = await tokenAndCard(PEOPLE.engineer, seen);
  expect(await lineMatching(/got/)).toBe(`:key: <@${PEOPLE.engineer}> got *guest* for 2h (grant \`${grantId}\`)`);

  expect(await click(t, PEOPLE.engineer, 'grant_show_again', grantId)).toMatch(/fresh token/);
  const again = await t.slack.waitFor(() => t.slack.messages.filter((m) => m.method === 'chat.postEphemeral' && tokenIn(m))[1], 15_000);
  issued.push(tokenIn(again)!);
  expect(await lineMatching(/shown again/)).toContain(`<@${PEOPLE.engineer}> had a fresh token of grant \`${grantId}\``);

  await t.command(PEOPLE.approver, `revoke <@${PEOPLE.engineer}|engineer>`);
  expect(await lineMatching(/revoked by/)).toBe(`:lock: grant \`${grantId}\` of <@${PEOPLE.engineer}> (*guest*) revoked by <@${PEOPLE.approver}>`);
});

test('requests: opened with the reason escaped, denied with why, approved by whom, and the grant that follows', async () => {
  await t.command(PEOPLE.platformAdmin, 'admin 1h -- &lt;!channel&gt; *now* &lt;https://evil.example|click&gt;');
  const opened = await lineMatching(/asks for/);
  expect(opened).toMatch(new RegExp(`^:inbox_tray: <@${PEOPLE.platformAdmin}> asks for \\*admin\\* for 1h \\(request \`[a-z0-9]+\`\\); why: “&lt;!channel&gt; \\*now\\* &lt;https://evil.example\\|click&gt;”$`));
  expect(opened).not.toContain('<!channel>');
  const requestId = /request `([a-z0-9]+)`/.exec(opened)![1]!;

  await t.interact(blockActionPayload({ userId: PEOPLE.approver, actionId: 'request_deny', value: requestId, responseUrl: t.slack.responseUrl() }));
  const modal = await t.slack.waitFor(() => t.slack.views.find((v) => v.view.callback_id === 'deny_reason'), 15_000);
  await t.interact(viewSubmissionPayload({ userId: PEOPLE.approver, callbackId: 'deny_reason', privateMetadata: modal.view.private_metadata, values: { reason: { reason_input: { type: 'plain_text_input', value: 'use guest & ask' } } } }));
  expect(await lineMatching(/denied by/)).toBe(`:no_entry: request \`${requestId}\` of <@${PEOPLE.platformAdmin}> for *admin* for 1h denied by <@${PEOPLE.approver}>; because: “use guest &amp; ask”`);

  const seen = t.slack.messages.length;
  await t.command(PEOPLE.platformAdmin, 'admin 1h -- incident 4711');
  const second = /request `([a-z0-9]+)`/.exec(await lineMatching(/asks for .*incident 4711/))![1]!;
  await t.interact(blockActionPayload({ userId: PEOPLE.approver2, actionId: 'request_approve', value: second, responseUrl: t.slack.responseUrl() }));
  expect(await lineMatching(/approved by/)).toBe(`:white_check_mark: request \`${second}\` of <@${PEOPLE.platformAdmin}> for *admin* for 1h approved by <@${PEOPLE.approver2}>`);
  const { grantId, token } = await tokenAndCard(PEOPLE.platformAdmin, seen);
  expect(await lineMatching(new RegExp(`grant \`${grantId}\``))).toBe(`:key: <@${PEOPLE.platformAdmin}> got *admin* for 1h (grant \`${grantId}\`), approved by <@${PEOPLE.approver2}>; why: “incident 4711”`);
  expect(await hubRequest(token, 'GET', '/rest-api/v1/authn')).toBe(200);
});

test('a grant that runs out and a request nobody decides: a line each when housekeeping ends them', async () => {
  const seen = t.slack.messages.length;
  await t.command(PEOPLE.engineer, 'guest 30m');
  const { grantId } = await tokenAndCard(PEOPLE.engineer, seen);
  await t.command(PEOPLE.platformAdmin, 'admin 1h -- overnight');
  const requestId = /request `([a-z0-9]+)`/.exec(await lineMatching(/asks for .*overnight/))![1]!;
  clock.advance(2 * 3600_000);
  await t.bot.housekeeping.run();
  expect(await lineMatching(/expired$/)).toContain(`grant \`${grantId}\` of <@${PEOPLE.engineer}> (*guest*) expired`);
  expect(await lineMatching(/without a decision/)).toBe(`:hourglass: request \`${requestId}\` of <@${PEOPLE.platformAdmin}> for *admin* expired without a decision`);
});

test('a failing audit channel delays no answer and changes nothing: the failure is logged', async () => {
  const seen = t.slack.messages.length;
  // (The clock is ahead by now; 8h outlasts it.)
  await t.command(PEOPLE.engineer, 'guest 8h');
  const { token } = await tokenAndCard(PEOPLE.engineer, seen);
  // Revoking one's own grants posts nothing but the audit line, which now hangs and then fails.
  t.slack.fault('chat.postMessage', { error: 'not_in_channel', delayMs: 4_000, times: 1 });
  const sent = await t.command(PEOPLE.engineer, 'revoke all');
  const answer = await t.slack.waitFor(() => t.slack.responses.find((r) => r.id === sent.responseUrl.split('/').pop()), 15_000);
  expect(answer.body.text).toMatch(/Revoked 1 of your grants/);
  // The answer came while the audit line was still on its way.
  expect(t.logs.some((l) => l.includes('audit line not posted'))).toBe(false);
  expect(await loginAfterRevocation(token)).toBe(401);
  await t.slack.waitFor(() => t.logs.find((l) => l.includes('audit line not posted') && l.includes('not_in_channel')), 15_000);
});
