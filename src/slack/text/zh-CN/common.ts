/** What every Simplified Chinese module shares: lists and relative times in Chinese. */
import { span } from '../../../domain/grant';

/** `a`, `a和b`, `a、b和c`. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join('、')}和${items[items.length - 1]}`;
}

/** At most `max` items, the rest counted. */
export function shortList(items: readonly string[], max: number): string {
  return items.length <= max ? list(items) : list([...items.slice(0, max), `另外 ${items.length - max} 项`]);
}

/** `7小时59分钟后`, `3分钟后`, `1小时前`, `刚刚`. */
export function relative(to: Date, now: Date): string {
  const { ahead, days, hours, minutes } = span(to, now);
  if (!days && !hours && !minutes) return '刚刚';
  const text = [days && `${days}天`, hours && `${hours}小时`, minutes && `${minutes}分钟`].filter(Boolean).join('');
  return ahead ? `${text}后` : `${text}前`;
}

export const mention = (userId: string) => `<@${userId}>`;
