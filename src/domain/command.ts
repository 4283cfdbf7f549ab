import { parseDuration, preview } from './duration';

/** What a person asked for with `/karpor-token …`, before any policy is applied. */
export type Command =
  | { kind: 'help' }
  | { kind: 'status' }
  | { kind: 'request'; role: string; seconds?: number; reason?: string }
  | { kind: 'revoke'; target: RevokeTarget };

export type RevokeTarget = { mine: 'all' } | { grantId: string } | { userId: string };

/** How the chat's markup reads: where the parser meets it (the Slack adapter implements it). */
export interface Markup {
  /** Free text (a reason) as plain text, control characters removed. */
  plain(text: string): string;
  /** The user a word mentions, if it is a mention. */
  person(word: string): string | undefined;
}

export type ParseResult = { ok: true; command: Command } | { ok: false; reason: string };

export const MAX_COMMAND_TEXT = 1000;
export const MAX_REASON = 500;
const ROLE = /^[a-z][a-z0-9-]{0,31}$/;
export const GRANT_ID = /^[a-z0-9]{10}$/;

export const USAGE =
  'Usage: `/karpor-token <role> [duration] [-- reason]`, `/karpor-token status`, ' +
  '`/karpor-token revoke [<grant-id>|all|@person]`, `/karpor-token help`. Durations look like 30m, 8h, 1h30m, 2d.';

export function parseCommand(raw: string, markup: Markup): ParseResult {
  if (raw.length > MAX_COMMAND_TEXT) {
    return fail(`That command is ${raw.length} characters long; the most is ${MAX_COMMAND_TEXT}.`);
  }
  // Split the free-text reason off first so that its words are never read as arguments.
  const sep = /(?:^|\s)--(?:\s|$)/.exec(raw);
  const head = sep ? raw.slice(0, sep.index) : raw;
  const reasonText = sep ? markup.plain(raw.slice(sep.index + sep[0].length)) : undefined;
  const words = head.trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.toLowerCase();

  if (first === undefined) return reasonText === undefined ? ok({ kind: 'help' }) : fail(`A reason needs a role before it. ${USAGE}`);
  if (first === 'help' || first === 'status') {
    if (words.length > 1 || reasonText !== undefined) return fail(`\`${first}\` takes nothing after it. ${USAGE}`);
    return ok({ kind: first });
  }
  if (first === 'revoke') return parseRevoke(words.slice(1), reasonText, markup);
  if (!ROLE.test(first)) {
    return fail(`"${preview(words[0]!)}" is not a role name. ${USAGE}`);
  }
  if (words.length > 2) return fail(`Unexpected "${preview(words[2]!)}" after the duration. ${USAGE}`);
  let seconds: number | undefined;
  if (words[1] !== undefined) {
    const d = parseDuration(words[1]);
    if (!d.ok) return fail(d.reason);
    seconds = d.seconds;
  }
  if (reasonText !== undefined) {
    if (reasonText.length === 0) return fail('The reason after `--` is empty. Say why you need access, or leave out the `--`.');
    if (reasonText.length > MAX_REASON) return fail(`The reason is ${reasonText.length} characters; the most is ${MAX_REASON}.`);
  }
  return ok({ kind: 'request', role: first, ...(seconds !== undefined && { seconds }), ...(reasonText !== undefined && { reason: reasonText }) });
}

function parseRevoke(args: string[], reasonText: string | undefined, markup: Markup): ParseResult {
  if (reasonText !== undefined) return fail('`revoke` takes no reason.');
  if (args.length > 1) return fail(`\`revoke\` takes one thing: a grant id, \`all\`, or @person. ${USAGE}`);
  const arg = args[0];
  if (arg === undefined || arg.toLowerCase() === 'all') return ok({ kind: 'revoke', target: { mine: 'all' } });
  const userId = markup.person(arg);
  if (userId) return ok({ kind: 'revoke', target: { userId } });
  if (GRANT_ID.test(arg)) return ok({ kind: 'revoke', target: { grantId: arg } });
  return fail(`"${preview(arg)}" is not a grant id (see \`/karpor-token status\`), \`all\` or @person.`);
}

const ok = (command: Command): ParseResult => ({ ok: true, command });
const fail = (reason: string): ParseResult => ({ ok: false, reason });
