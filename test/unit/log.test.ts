import { createLog, scrub, slackLogger } from '../../src/log';
import { rbacFlag } from '../../src/hub/server-configs';

// Shaped like the real thing, made up here: a JWT header, payload and signature.
const jwt = ['eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ', 'eyJpc3MiOiJrYXJwb3IiLCJzdWIiOiJ4In0', 'c2lnbmF0dXJlLWJ5dGVz'].join('.');

test.each([
  [`token ${jwt} end`, 'token [REDACTED] end'],
  [`\`\`\`${jwt}\`\`\``, '```[REDACTED]```'],
  ['xoxb-1234-5678-abcdef', '[REDACTED]'],
  ['xapp-1-A111-222-abc', '[REDACTED]'],
  ['nothing secret here: eyJ is fine, xoxb alone too', 'nothing secret here: eyJ is fine, xoxb alone too'],
])('scrub(%j)', (input, output) => {
  expect(scrub(input)).toBe(output);
});

function capture(level = 'trace') {
  const lines: string[] = [];
  return { lines, log: createLog(level, { write: (l: string) => void lines.push(l) }) };
}

test('no logger path lets a token through: messages, fields, errors, nested objects, Slack library output', () => {
  const { lines, log } = capture();
  log.info(`message with ${jwt}`);
  log.debug({ nested: { deep: [`x ${jwt}`] } }, 'fields');
  log.error({ err: new Error(`failed for ${jwt}`) }, 'error');
  log.info({ token: 'plain-secret-value' }, 'a field named token');
  const slack = slackLogger(log);
  slack.debug('http request body:', { blocks: [{ text: { text: `\`\`\`${jwt}\`\`\`` } }] });
  slack.error(new Error(`xoxb-1-2-3 ${jwt}`));
  const all = lines.join('');
  expect(lines).toHaveLength(6);
  expect(all).not.toContain(jwt);
  expect(all).not.toContain('plain-secret-value');
  expect(all).not.toContain('xoxb-1-2-3');
  expect(all.match(/\[REDACTED\]/g)!.length).toBeGreaterThanOrEqual(6);
});

test('audit lines and levels are plain JSON, one per event', () => {
  const { lines, log } = capture('info');
  log.debug('hidden at info');
  log.info({ audit: true, event: 'grant.issued', role: 'guest' }, 'grant.issued');
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', audit: true, event: 'grant.issued', app: 'karpor-token-bot' });
});

test.each([
  ['{"CoreOptions":{"EnableRBAC":false,"ReadOnlyMode":false},"Version":"v0.6.4"}', false],
  ['{"CoreOptions":{"EnableRBAC":true}}', true],
  ['{"EnableRBAC":true}', undefined],
  ['{"AIOptions":{"EnableRBAC":false}}', undefined],
  ['{"CoreOptions":{}}', undefined],
  ['"not an object"', undefined],
  ['null', undefined],
  ['{"CoreOptions":{"EnableRBAC":"false"}}', undefined],
])('rbacFlag(%s) is %s', (body, flag) => {
  expect(rbacFlag(JSON.parse(body))).toBe(flag);
});
