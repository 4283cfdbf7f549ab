/** Durations as people type them: `30m`, `8h`, `1h30m`, `2d`. */
import type { DurationProblem } from './messages';

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60 };
const ORDER = ['d', 'h', 'm'];
// Long enough for `99d23h59m`; anything longer is refused before parsing.
const MAX_TEXT = 16;

export type DurationResult = { ok: true; seconds: number } | { ok: false; reason: DurationProblem };

export function parseDuration(text: string): DurationResult {
  const bad = (): DurationResult => ({ ok: false, reason: { kind: 'not-a-duration', word: preview(text) } });
  if (text.length === 0 || text.length > MAX_TEXT) return bad();
  const parts = /^(?:(\d{1,4})d)?(?:(\d{1,4})h)?(?:(\d{1,5})m)?$/.exec(text.toLowerCase());
  if (!parts || (!parts[1] && !parts[2] && !parts[3])) return bad();
  let seconds = 0;
  ORDER.forEach((unit, i) => {
    const n = parts[i + 1];
    if (n) seconds += Number(n) * UNIT_SECONDS[unit]!;
  });
  if (seconds === 0) return { ok: false, reason: { kind: 'zero-duration' } };
  return { ok: true, seconds };
}

/** `5400` → `1h30m`; the same form people type, so answers can be copied back. */
export function formatDuration(seconds: number): string {
  let rest = Math.max(0, Math.round(seconds / 60)) * 60;
  if (rest === 0) return '0m';
  let out = '';
  for (const unit of ORDER) {
    const size = UNIT_SECONDS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** Shows untrusted input back to a person without letting it run on or smuggle formatting. */
export function preview(text: string, max = 24): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f<>&`*_~]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
