/** What every Simplified Chinese module shares: lists and relative times in Chinese. */

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
  const diff = Math.round((to.getTime() - now.getTime()) / 60_000);
  if (diff === 0) return '刚刚';
  const abs = Math.abs(diff);
  const d = Math.floor(abs / 1440);
  const h = Math.floor((abs % 1440) / 60);
  const m = abs % 60;
  const text = [d && `${d}天`, h && `${h}小时`, (m || (!d && !h)) && `${m}分钟`].filter(Boolean).join('');
  return diff >= 0 ? `${text}后` : `${text}前`;
}

export const mention = (userId: string) => `<@${userId}>`;
