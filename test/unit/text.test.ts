import { relative } from '../../src/slack/text/markup';
import { parseCommand } from '../../src/domain/command';
import { cleanText, slackMarkup } from '../../src/slack/text/markup';

const at = new Date('2026-11-29T10:00:00Z');

test.each([
  [0, 'just now'],
  [20_000, 'just now'],
  [-20_000, 'just now'],
  [60_000, 'in 1m'],
  [-3_600_000, '1h ago'],
  [90_061_000, 'in 1d 1h 1m'],
])('relative(+%d ms) is %s', (ms, text) => {
  expect(relative(new Date(at.getTime() + ms), at)).toBe(text);
});

test.each([
  ['bell\u0007 and escape\u001b[31m', 'bell and escape[31m'],
  ['line one\nline two\ttab', 'line one\nline two\ttab'],
  ['  <!channel> &lt;b&gt; <@U123ABC|ann>  ', '@channel <b> @ann'],
  ['\u0000', ''],
])('cleanText(%j) is %j', (input, output) => {
  expect(cleanText(input)).toBe(output);
});

test('reasons given inline lose control characters, keep their words', () => {
  expect(parseCommand('admin 1h -- fix\u0007 prod\u001b', slackMarkup)).toEqual({ ok: true, command: { kind: 'request', role: 'admin', seconds: 3600, reason: 'fix prod' } });
  expect(parseCommand('admin 1h -- \u0007\u0008', slackMarkup)).toEqual({ ok: false, reason: { kind: 'empty-reason' } });
});
