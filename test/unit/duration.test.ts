import { formatDuration, parseDuration, preview } from '../../src/domain/duration';
import { say } from '../../src/slack/text/answers';

const M = 60;
const H = 3600;
const D = 86_400;

describe('parseDuration', () => {
  test.each<[string, number]>([
    ['30m', 30 * M],
    ['1m', M],
    ['8h', 8 * H],
    ['1h30m', H + 30 * M],
    ['2d', 2 * D],
    ['1d2h3m', D + 2 * H + 3 * M],
    ['1d30m', D + 30 * M],
    ['1d1h', D + H],
    ['90m', 90 * M],
    ['48h', 48 * H],
    ['8H', 8 * H],
    ['1H30M', H + 30 * M],
    ['2D', 2 * D],
    ['1D2h3M', D + 2 * H + 3 * M],
    ['08h', 8 * H],
    ['0d1h', H],
    ['9999d', 9999 * D],
    ['99d23h59m', 99 * D + 23 * H + 59 * M],
    ['9999d9999h99999m', 9999 * D + 9999 * H + 99_999 * M],
  ])('%j is %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ ok: true, seconds });
  });

  const notADuration = /is not a duration\. Use days, hours and minutes, like 30m, 8h, 1h30m or 2d\./;
  test.each<[string, string, RegExp]>([
    ['empty', '', notADuration],
    ['zero minutes', '0m', /^A duration must be longer than zero\.$/],
    ['zero everything', '0d0h0m', /^A duration must be longer than zero\.$/],
    ['fraction', '1.5h', notADuration],
    ['negative', '-1h', notADuration],
    ['unit without number', 'h', notADuration],
    ['number without unit', '30', notADuration],
    ['wrong order', '1h1d', notADuration],
    ['minutes before hours', '30m1h', notADuration],
    ['repeated unit', '1h1h', notADuration],
    ['too many digits', '99999999h', notADuration],
    ['five digit hours', '10000h', notADuration],
    ['huge string', '1'.repeat(10_000) + 'h', notADuration],
    ['just over the length limit', '12345678901234567m', notADuration],
    ['fullwidth digit', '１h', notADuration],
    ['arabic-indic digit', '٣h', notADuration],
    ['fullwidth unit', '1ｈ', notADuration],
    ['space inside', '1h 30m', notADuration],
    ['leading space', ' 1h', notADuration],
    ['trailing space', '1h ', notADuration],
    ['seconds', '30s', notADuration],
    ['weeks', '1w', notADuration],
    ['exponent', '1e3m', notADuration],
    ['hex', '0x10m', notADuration],
    ['plus sign', '+1h', notADuration],
    ['trailing newline', '1h\n', notADuration],
    ['NUL', '1h\u0000', notADuration],
    ['word', 'forever', notADuration],
  ])('refuses %s (%j)', (_what, text, message) => {
    const result = parseDuration(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(say(result.reason)).toMatch(message);
  });

  test('the refusal shows the input shortened and defused', () => {
    const result = parseDuration('<!here>*bold*_x_\u0007`code`');
    expect(result).toEqual({ ok: false, reason: { kind: 'not-a-duration', word: '?!here??bold??x???code?' } });
    const long = parseDuration('x'.repeat(5000));
    expect(long.ok).toBe(false);
    if (!long.ok) {
      expect(say(long.reason)).toContain(`"${'x'.repeat(24)}…"`);
      expect(say(long.reason).length).toBeLessThan(200);
    }
  });
});

describe('formatDuration', () => {
  test.each<[number, string]>([
    [0, '0m'],
    [-60, '0m'],
    [29, '0m'],
    [30, '1m'],
    [60, '1m'],
    [90, '2m'],
    [600, '10m'],
    [3600, '1h'],
    [5400, '1h30m'],
    [D, '1d'],
    [D + 2 * H + 3 * M, '1d2h3m'],
    [D + 30 * M, '1d30m'],
    [8760 * H, '365d'],
  ])('%i seconds is %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  test.each(['30m', '8h', '1h30m', '2d', '1d2h3m', '1d30m', '10m', '23h59m', '99d23h59m', '365d'])('%j survives a round trip', (text) => {
    const parsed = parseDuration(text);
    if (!parsed.ok) throw new Error(say(parsed.reason));
    expect(formatDuration(parsed.seconds)).toBe(text);
    expect(parseDuration(formatDuration(parsed.seconds))).toEqual(parsed);
  });

  test.each<[string, string]>([
    ['90m', '1h30m'],
    ['48h', '2d'],
    ['1H30M', '1h30m'],
    ['0d1h', '1h'],
    ['25h', '1d1h'],
  ])('%j is written back in canonical form %j', (typed, canonical) => {
    const parsed = parseDuration(typed);
    if (!parsed.ok) throw new Error(say(parsed.reason));
    expect(formatDuration(parsed.seconds)).toBe(canonical);
  });

  test('every whole number of minutes up to 3 days survives format → parse', () => {
    for (let minutes = 1; minutes <= 3 * 1440; minutes++) {
      const parsed = parseDuration(formatDuration(minutes * 60));
      expect(parsed).toEqual({ ok: true, seconds: minutes * 60 });
    }
  });
});

describe('preview', () => {
  test.each<[string, string]>([
    ['plain', 'plain'],
    ['<@U123>', '?@U123?'],
    ['a&b', 'a?b'],
    ['*_~`', '????'],
    ['tab\there', 'tab?here'],
    ['\u0085\u009f', '??'],
  ])('%j is shown as %j', (text, shown) => {
    expect(preview(text)).toBe(shown);
  });

  test('cuts at the given length', () => {
    expect(preview('abcdef', 3)).toBe('abc…');
    expect(preview('abc', 3)).toBe('abc');
  });
});
