import type { WebClient } from '@slack/web-api';
import type { Language } from '../domain/policy';
import { CATALOGUE, type PeopleWords, type Words } from './text/words';

/** A Slack locale ("zh-CN", "en-US") as a language the bot speaks; undefined for any other. Chinese of every region reads Simplified Chinese. */
export function languageOf(locale: string | undefined): Language | undefined {
  const tag = locale?.trim().toLowerCase() ?? '';
  if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
  if (tag === 'en' || tag.startsWith('en-')) return 'en';
  return undefined;
}

export interface LanguagesOptions {
  /** How long a person's language is kept once Slack said it. */
  keepMs: number;
  /** How long the default stands in after Slack did not answer, before Slack is asked again. */
  retryMs: number;
  /** How long an answer waits for Slack before it goes out in the default language. */
  waitMs: number;
  /** People remembered at once (the longest unasked are forgotten first). */
  maxPeople?: number;
  now?: () => number;
  onError: (err: unknown, userId: string) => void;
}

/**
 * Each person's language, from their Slack locale (`users.info` with `include_locale`, scope
 * `users:read`), kept for a while so that a command costs no extra call; the policy's language for
 * everything shared and whenever Slack does not say. Never fails: a person who cannot be looked
 * up is answered in the default language.
 */
export class SlackLanguages implements PeopleWords {
  private readonly remembered = new Map<string, { language: Language; until: number }>();
  private readonly asking = new Map<string, Promise<Language>>();
  private readonly now: () => number;
  readonly shared: Words;

  constructor(
    private readonly client: WebClient,
    private readonly fallback: Language,
    private readonly options: LanguagesOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.shared = CATALOGUE[fallback];
  }

  async of(userId: string): Promise<Words> {
    return CATALOGUE[await this.language(userId)];
  }

  known(userId: string): Words {
    return CATALOGUE[this.cached(userId) ?? this.fallback];
  }

  private language(userId: string): Promise<Language> {
    const cached = this.cached(userId);
    if (cached) return Promise.resolve(cached);
    let asking = this.asking.get(userId);
    if (!asking) {
      asking = this.ask(userId).finally(() => this.asking.delete(userId));
      this.asking.set(userId, asking);
    }
    return this.within(asking);
  }

  private cached(userId: string): Language | undefined {
    const entry = this.remembered.get(userId);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.language;
    this.remembered.delete(userId);
    return undefined;
  }

  private async ask(userId: string): Promise<Language> {
    try {
      const answer = await this.client.users.info({ user: userId, include_locale: true });
      const language = languageOf(answer.user?.locale) ?? this.fallback;
      this.remember(userId, language, this.options.keepMs);
      return language;
    } catch (err) {
      this.options.onError(err, userId);
      this.remember(userId, this.fallback, this.options.retryMs);
      return this.fallback;
    }
  }

  private remember(userId: string, language: Language, forMs: number): void {
    this.remembered.delete(userId);
    this.remembered.set(userId, { language, until: this.now() + forMs });
    if (this.remembered.size > (this.options.maxPeople ?? 10_000)) this.remembered.delete(this.remembered.keys().next().value!);
  }

  /** Slack's answer, or the default once `waitMs` has passed (the answer is still remembered when it comes). */
  private within(asking: Promise<Language>): Promise<Language> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Language>((resolve) => {
      timer = setTimeout(() => resolve(this.fallback), this.options.waitMs);
      timer.unref();
    });
    return Promise.race([asking, late]).finally(() => clearTimeout(timer));
  }
}
