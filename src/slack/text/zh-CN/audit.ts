import { formatDuration } from '../../../domain/duration';
import type { AuditEvent } from '../../../domain/ports';
import { escapeMrkdwn } from '../markup';

/** The audit channel's lines in Simplified Chinese (the English: ../audit.ts). */

const who = (v: unknown) => (typeof v === 'string' && /^[UW][A-Z0-9]{2,20}$/.test(v) ? `<@${v}>` : escapeMrkdwn(String(v ?? '某人')));
const people = (v: unknown) => (typeof v === 'string' && v ? v.split(',').map(who).join('、') : '');
const code = (v: unknown) => `\`${escapeMrkdwn(String(v ?? '?')).replace(/`/g, "'")}\``;
const role = (e: AuditEvent) => `*${escapeMrkdwn(String(e.role ?? '?'))}*`;
const long = (e: AuditEvent) => (typeof e.seconds === 'number' ? `，时长 ${formatDuration(e.seconds)}` : '');
const why = (v: unknown, label = '理由') => (typeof v === 'string' && v ? `；${label}：“${escapeMrkdwn(v.replace(/\s+/g, ' '))}”` : '');

/** The line of each event the channel carries. */
export const AUDIT_LINES: Record<string, (e: AuditEvent) => string> = {
  'grant.issued': (e) => `:key: ${who(e.user)} 获得 ${role(e)}${long(e)}（授权 ${code(e.grant)}）${e.approvedBy ? `，由 ${people(e.approvedBy)} 批准` : ''}${why(e.reason)}`,
  'grant.shown-again': (e) => `:eyes: ${who(e.user)} 再次显示了授权 ${code(e.grant)}（${role(e)}）的新令牌`,
  'grant.revoked': (e) => `:lock: ${who(e.user)} 的授权 ${code(e.grant)}（${role(e)}）被${e.by === 'policy' ? '策略' : ` ${who(e.by)} `}撤销`,
  'grant.expired': (e) => `:hourglass: ${who(e.user)} 的授权 ${code(e.grant)}（${role(e)}）已过期`,
  'request.opened': (e) => `:inbox_tray: ${who(e.user)} 申请 ${role(e)}${long(e)}（申请 ${code(e.request)}）${why(e.reason)}`,
  'request.approved': (e) => `:white_check_mark: ${who(e.user)} 对 ${role(e)} 的申请 ${code(e.request)}${long(e)}已由 ${who(e.approver)} 批准`,
  'request.denied': (e) => `:no_entry: ${who(e.user)} 对 ${role(e)} 的申请 ${code(e.request)}${long(e)}已被 ${who(e.approver)} 拒绝${why(e.denyReason, '原因')}`,
  'request.cancelled': (e) => `:leftwards_arrow_with_hook: ${who(e.user)} 取消了自己对 ${role(e)} 的申请 ${code(e.request)}`,
  'grant.break-glass': (e) => `:rotating_light: ${who(e.user)} 使用了紧急授权：未经审批取得 ${role(e)}${long(e)}（授权 ${code(e.grant)}），除非获得确认，将于 ${escapeMrkdwn(String(e.confirmBy ?? '?'))} 撤销${why(e.reason)}`,
  'break-glass.confirmed': (e) => `:white_check_mark: ${who(e.user)} 的紧急授权 ${code(e.grant)}（${role(e)}）已由 ${who(e.by)} 确认`,
  'break-glass.revoked-unconfirmed': (e) => `:lock: ${who(e.user)} 的紧急授权 ${code(e.grant)}（${role(e)}）已撤销：没有人及时确认`,
  'request.expired': (e) => `:hourglass: ${who(e.user)} 对 ${role(e)} 的申请 ${code(e.request)} 已过期，无人处理`,
};

export function auditLine(event: AuditEvent): string | undefined {
  return AUDIT_LINES[event.event]?.(event);
}
