import { escapeMrkdwn } from '../../domain/slack-text';

/** Text from outside (the hub, the policy, Slack) as inline code that shows literally. */
export function code(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, "'").replace(/\s+/g, ' '))}\``;
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
