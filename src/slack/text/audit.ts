import { formatDuration } from '../../domain/duration';
import type { AuditEvent } from '../../domain/ports';
import { escapeMrkdwn } from './markup';

/** The audit channel's lines: one per grant and request event worth a person's eye, in mrkdwn. */

const who = (v: unknown) => (typeof v === 'string' && /^[UW][A-Z0-9]{2,20}$/.test(v) ? `<@${v}>` : escapeMrkdwn(String(v ?? 'someone')));
const people = (v: unknown) => (typeof v === 'string' && v ? v.split(',').map(who).join(', ') : '');
const code = (v: unknown) => `\`${escapeMrkdwn(String(v ?? '?')).replace(/`/g, "'")}\``;
const role = (e: AuditEvent) => `*${escapeMrkdwn(String(e.role ?? '?'))}*`;
const long = (e: AuditEvent) => (typeof e.seconds === 'number' ? ` for ${formatDuration(e.seconds)}` : '');
const why = (v: unknown, label = 'why') => (typeof v === 'string' && v ? `; ${label}: “${escapeMrkdwn(v.replace(/\s+/g, ' '))}”` : '');

/** The line of each event the channel carries. */
export const AUDIT_LINES: Record<string, (e: AuditEvent) => string> = {
  'grant.issued': (e) => `:key: ${who(e.user)} got ${role(e)}${long(e)} (grant ${code(e.grant)})${e.approvedBy ? `, approved by ${people(e.approvedBy)}` : ''}${why(e.reason)}`,
  'grant.shown-again': (e) => `:eyes: ${who(e.user)} had a fresh token of grant ${code(e.grant)} (${role(e)}) shown again`,
  'grant.revoked': (e) => `:lock: grant ${code(e.grant)} of ${who(e.user)} (${role(e)}) revoked by ${e.by === 'policy' ? 'the policy' : who(e.by)}`,
  'grant.expired': (e) => `:hourglass: grant ${code(e.grant)} of ${who(e.user)} (${role(e)}) expired`,
  'request.opened': (e) => `:inbox_tray: ${who(e.user)} asks for ${role(e)}${long(e)} (request ${code(e.request)})${why(e.reason)}`,
  'request.approved': (e) => `:white_check_mark: request ${code(e.request)} of ${who(e.user)} for ${role(e)}${long(e)} approved by ${who(e.approver)}`,
  'request.denied': (e) => `:no_entry: request ${code(e.request)} of ${who(e.user)} for ${role(e)}${long(e)} denied by ${who(e.approver)}${why(e.denyReason, 'because')}`,
  'request.cancelled': (e) => `:leftwards_arrow_with_hook: request ${code(e.request)} of ${who(e.user)} for ${role(e)} cancelled by them`,
  'grant.break-glass': (e) => `:rotating_light: ${who(e.user)} broke the glass: ${role(e)}${long(e)} without approval (grant ${code(e.grant)}), revoked at ${escapeMrkdwn(String(e.confirmBy ?? '?'))} unless confirmed${why(e.reason)}`,
  'break-glass.confirmed': (e) => `:white_check_mark: break-glass grant ${code(e.grant)} of ${who(e.user)} (${role(e)}) confirmed by ${who(e.by)}`,
  'break-glass.revoked-unconfirmed': (e) => `:lock: break-glass grant ${code(e.grant)} of ${who(e.user)} (${role(e)}) revoked: nobody confirmed it in time`,
  'request.expired': (e) => `:hourglass: request ${code(e.request)} of ${who(e.user)} for ${role(e)} expired without a decision`,
};

/** The line for an audit event, or undefined for events the channel does not carry. */
export function auditLine(event: AuditEvent): string | undefined {
  return AUDIT_LINES[event.event]?.(event);
}
