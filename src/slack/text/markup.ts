import { span, utc } from '../../domain/grant';

/**
 * Slack sends command text with its own markup: `&amp; &lt; &gt;`, `<@U123|name>`, `<!here>`,
 * `<https://x|label>`. These helpers turn it into plain text and back into mrkdwn that shows the
 * words without pinging anyone or forming links.
 */

const MENTION = /<([@#!])([^|>]*)(?:\|([^>]*))?>/g;
const LINK = /<([^@#!][^|>]*)(?:\|([^>]*))?>/g;

export function plainFromSlack(text: string): string {
  return text
    .replace(MENTION, (_m, sigil: string, id: string, label?: string) =>
      sigil === '!' ? label || `@${id.split('^')[0] ?? id}` : `${sigil}${label || id}`,
    )
    .replace(LINK, (_m, url: string, label?: string) => (label ? `${label} (${url})` : url))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Escapes plain text for mrkdwn so that it shows literally. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text a person typed (reasons, deny reasons), for others to read: every character shows as
 * itself, so no link, mention or broadcast can come of it. All typed text goes through here.
 */
export function typed(text: string): string {
  return escapeMrkdwn(text);
}

/** Typed text as a block quote on lines of its own (reasons under a request or grant). */
export function quoted(text: string): string {
  return `\n>${typed(text).replace(/\n/g, '\n>')}`;
}

/** A Slack user reference in command text: `<@U123|name>` or `<@U123>`. */
export function mentionedUser(word: string): string | undefined {
  const m = /^<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>$/.exec(word);
  return m?.[1];
}

export function isSlackUserId(id: string): boolean {
  return /^[UW][A-Z0-9]{2,20}$/.test(id);
}

/** Free text people give (reasons): Slack markup made plain, control characters but newlines and tabs removed. */
export function cleanText(text: string): string {
  return plainFromSlack(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '').trim();
}

/** How Slack's markup reads, for the command parser (the domain's `Markup`). */
export const slackMarkup = { plain: cleanText, person: mentionedUser };

/** Text from outside (the hub, the policy, Slack) as inline code that shows literally. */
export function code(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, "'").replace(/\s+/g, ' '))}\``;
}

/**
 * A time as a Slack date token: each reader sees it in their own time zone
 * (`Dec 1st, 2026 9:00 AM`, `Today 9:00 AM`), and clients that cannot render it the UTC time.
 */
export function slackDate(date: Date): string {
  return `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time}|${utc(date)}>`;
}

/** `a`, `a and b`, `a, b and c`. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** At most `max` items, the rest counted. */
export function shortList(items: readonly string[], max: number): string {
  return items.length <= max ? list(items) : list([...items.slice(0, max), `${items.length - max} more`]);
}

/** `in 7h 59m`, `in 3m`, `1h ago`, `just now`. */
export function relative(to: Date, now: Date): string {
  const { ahead, days, hours, minutes } = span(to, now);
  if (!days && !hours && !minutes) return 'just now';
  const text = [days && `${days}d`, hours && `${hours}h`, minutes && `${minutes}m`].filter(Boolean).join(' ');
  return ahead ? `in ${text}` : `${text} ago`;
}
