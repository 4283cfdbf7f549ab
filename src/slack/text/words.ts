import type { AuditEvent } from '../../domain/ports';
import type { Message } from '../../domain/messages';
import type { Language } from '../../domain/policy';
import type { RoleSummary } from '../../domain/role-rules';
import { say } from './answers';
import { HOME, type HomeWords } from './app-home';
import { auditLine } from './audit';
import { CARDS, type CardWords } from './cards';
import { DOCTOR, type DoctorWords } from './doctor';
import { roleAllowsLines } from './role-rules';
import { ZH_CN } from './zh-CN';

/** Everything the bot says, in one language: the same shape in every language. */
export interface Words {
  /** Answers, DMs and notices, by the message's kind. */
  say(m: Message): string;
  doctor: DoctorWords;
  /** The approval card's lines on what the role allows. */
  roleAllows(allows: RoleSummary | null | undefined): string[];
  home: HomeWords;
  cards: CardWords;
  /** The audit channel's line for an event; undefined for events it does not carry. */
  auditLine(event: AuditEvent): string | undefined;
}

export const EN: Words = { say, doctor: DOCTOR, roleAllows: roleAllowsLines, home: HOME, cards: CARDS, auditLine };

export const CATALOGUE: Record<Language, Words> = { en: EN, 'zh-CN': ZH_CN };

/** The words of a person (their Slack language), and of what everyone shares (the policy's language). */
export interface PeopleWords {
  of(userId: string): Promise<Words>;
  /** Whatever is known now, without asking Slack (for answers that cannot wait). */
  known(userId: string): Words;
  shared: Words;
}
