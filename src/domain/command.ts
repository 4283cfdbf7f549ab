import { parseDuration, preview } from './duration';
import type { BreakGlassMessage } from './break-glass';
import type { InputProblem } from './messages';

/** What a person asked for with `/karpor-token …`, before any policy is applied. */
export type Command =
  | { kind: 'help' }
  | { kind: 'status' }
  /** The check-up of the hub and Slack; `selftest` is the same. */
  | { kind: 'doctor' }
  | { kind: 'request'; role: string; seconds?: number; reason?: string; breakGlass?: true }
  | { kind: 'revoke'; target: RevokeTarget };

export type RevokeTarget = { mine: 'all' } | { grantId: string } | { userId: string };

/** How the chat's markup reads: where the parser meets it (the Slack adapter implements it). */
export interface Markup {
  /** Free text (a reason) as plain text, control characters removed. */
  plain(text: string): string;
  /** The user a word mentions, if it is a mention. */
  person(word: string): string | undefined;
}

export type ParseResult = { ok: true; command: Command } | { ok: false; reason: InputProblem | Extract<BreakGlassMessage, { kind: 'break-glass-needs-reason' }> };

export const MAX_COMMAND_TEXT = 1000;
export const MAX_REASON = 500;
const ROLE = /^[a-z][a-z0-9-]{0,31}$/;
export const GRANT_ID = /^[a-z0-9]{10}$/;
/** Takes the role at once, confirmed afterwards (see break-glass.ts). */
export const BREAK_GLASS = '--break-glass';

/**
 * Typed text without the characters that show nothing (zero-width spaces and joiners, word
 * joiner, byte-order mark, bidi controls: Unicode's format characters), trimmed. A reason counts
 * only by what is left, and bidi controls cannot reorder what others read.
 */
export function visibleText(text: string): string {
  return text.replace(/\p{Cf}/gu, '').trim();
}

export function parseCommand(raw: string, markup: Markup): ParseResult {
  if (raw.length > MAX_COMMAND_TEXT) {
    return fail({ kind: 'command-too-long', length: raw.length, max: MAX_COMMAND_TEXT });
  }
  // Split the free-text reason off first so that its words are never read as arguments.
  const sep = /(?:^|\s)--(?:\s|$)/.exec(raw);
  const head = sep ? raw.slice(0, sep.index) : raw;
  const reasonText = sep ? visibleText(markup.plain(raw.slice(sep.index + sep[0].length))) : undefined;
  const all = head.trim().split(/\s+/).filter(Boolean);
  const breakGlass = all.some((w) => w.toLowerCase() === BREAK_GLASS);
  const words = all.filter((w) => w.toLowerCase() !== BREAK_GLASS);
  const first = words[0]?.toLowerCase();

  if (first === undefined && breakGlass) return fail({ kind: 'not-a-role', word: BREAK_GLASS });
  if (first === undefined) return reasonText === undefined ? ok({ kind: 'help' }) : fail({ kind: 'reason-needs-role' });
  if (breakGlass && (first === 'help' || first === 'status' || first === 'doctor' || first === 'selftest')) return fail({ kind: 'takes-nothing', word: first });
  if (breakGlass && first === 'revoke') return fail({ kind: 'revoke-takes-one-thing' });
  if (first === 'help' || first === 'status' || first === 'doctor' || first === 'selftest') {
    if (words.length > 1 || reasonText !== undefined) return fail({ kind: 'takes-nothing', word: first });
    return ok({ kind: first === 'selftest' ? 'doctor' : first });
  }
  if (first === 'revoke') return parseRevoke(words.slice(1), reasonText, markup);
  if (!ROLE.test(first)) {
    return fail({ kind: 'not-a-role', word: preview(words[0]!) });
  }
  if (words.length > 2) return fail({ kind: 'unexpected-after-duration', word: preview(words[2]!) });
  let seconds: number | undefined;
  if (words[1] !== undefined) {
    const d = parseDuration(words[1]);
    if (!d.ok) return fail(d.reason);
    seconds = d.seconds;
  }
  if (reasonText !== undefined) {
    if (reasonText.length === 0) return fail({ kind: 'empty-reason' });
    if (reasonText.length > MAX_REASON) return fail({ kind: 'reason-too-long', length: reasonText.length, max: MAX_REASON });
  }
  if (breakGlass && reasonText === undefined) return fail({ kind: 'break-glass-needs-reason' });
  return ok({ kind: 'request', role: first, ...(seconds !== undefined && { seconds }), ...(reasonText !== undefined && { reason: reasonText }), ...(breakGlass && { breakGlass }) });
}

function parseRevoke(args: string[], reasonText: string | undefined, markup: Markup): ParseResult {
  if (reasonText !== undefined) return fail({ kind: 'revoke-takes-no-reason' });
  if (args.length > 1) return fail({ kind: 'revoke-takes-one-thing' });
  const arg = args[0];
  if (arg === undefined || arg.toLowerCase() === 'all') return ok({ kind: 'revoke', target: { mine: 'all' } });
  const userId = markup.person(arg);
  if (userId) return ok({ kind: 'revoke', target: { userId } });
  if (GRANT_ID.test(arg)) return ok({ kind: 'revoke', target: { grantId: arg } });
  return fail({ kind: 'not-a-grant-id', word: preview(arg) });
}

const ok = (command: Command): ParseResult => ({ ok: true, command });
const fail = (reason: Extract<ParseResult, { ok: false }>['reason']): ParseResult => ({ ok: false, reason });
