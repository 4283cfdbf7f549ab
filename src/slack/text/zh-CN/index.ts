import type { Words } from '../words';
import { say } from './answers';
import { HOME } from './app-home';
import { auditLine } from './audit';
import { CARDS } from './cards';
import { DOCTOR } from './doctor';
import { roleAllowsLines } from './role-rules';

/** Everything the bot says, in Simplified Chinese. */
export const ZH_CN: Words = { say, doctor: DOCTOR, roleAllows: roleAllowsLines, home: HOME, cards: CARDS, auditLine };
