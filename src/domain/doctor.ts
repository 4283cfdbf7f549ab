/**
 * The doctor: what in the hub's and Slack's set-up makes the bot's tokens protect less than the
 * policy promises. The adapters gather plain facts; this turns them into one finding per check.
 */
import { TOKEN_ROLES, type RoleRule } from './karpor-defaults';
import type { Policy } from './policy';
import { differencesFromDefault, isDifferent, type Permission } from './role-rules';

/** The hub's answers; `undefined` wherever the probe got no usable answer. */
export interface HubFacts {
  /** `CoreOptions.EnableRBAC` from `GET /server-configs`. */
  rbac: boolean | undefined;
  /** Reads sent with no `Authorization` header, and the status each got (0: no answer). */
  anonymousReads: { path: string; status: number }[];
  /** A TokenRequest longer than the policy's longest role: what was asked and what the hub granted. */
  tokenMaximum: { askedSeconds: number; grantedSeconds: number } | undefined;
  /** The preset roles and the policy's roles: their rules, `null` when the hub has no such role. */
  clusterRoles: { name: string; rules: RoleRule[] | null | undefined }[];
  /** The probes the hub refused the bot itself (its credential or its hub RBAC), by what they did. */
  botRefused?: string[];
}

export interface SlackFacts {
  /** The scopes of the bot's token; undefined when Slack did not say. */
  grantedScopes: string[] | undefined;
  neededScopes: string[];
  /** Each user group the policy names (see `policyGroups`), found on the workspace or not. */
  userGroups: { ref: string; found: boolean }[] | 'not-on-plan' | 'unreadable';
  /** Per role that needs approval: the approvers the bot can reach by DM. */
  approvers: { role: string; reachable: number }[];
}

export interface DoctorFacts {
  hub: HubFacts;
  /** When the bot's own hub credential stops working: `null` never, `undefined` unknown. */
  botCredentialExpiresAt: Date | null | undefined;
  slack: SlackFacts;
}

export type Status = 'ok' | 'warn' | 'fail';

export type Finding =
  | { check: 'rbac'; status: Status; state: 'on' | 'off' | 'unknown' }
  | { check: 'anonymous-reads'; status: Status; state: 'open' | 'closed' | 'unknown'; openPaths: string[] }
  | {
      check: 'token-maximum';
      status: Status;
      state: 'enough' | 'short' | 'unknown';
      grantedSeconds?: number;
      longestSeconds: number;
      /** Policy roles that may be asked for longer than the hub grants. */
      cutRoles: { role: string; maxSeconds: number }[];
    }
  | { check: 'preset-role'; status: Status; role: string; state: 'default' | 'differs' | 'missing' | 'unknown'; added: Permission[]; removed: Permission[] }
  | { check: 'policy-roles'; status: Status; missing: { role: string; clusterRole: string }[]; unknown: string[] }
  | { check: 'hub-identity'; status: Status; state: 'works' | 'refused' | 'unknown'; refused: string[] }
  | { check: 'bot-credential'; status: Status; state: 'valid' | 'expiring' | 'expired' | 'never' | 'unknown'; expiresAt?: Date }
  | { check: 'slack-scopes'; status: Status; state: 'known' | 'unknown'; missing: string[]; extra: string[] }
  | { check: 'user-groups'; status: Status; state: 'none-named' | 'checked' | 'not-on-plan' | 'unreadable'; missing: string[] }
  | { check: 'approvers'; status: Status; role: string; needed: number; reachable: number };

/** A credential ending sooner than this is worth a warning while there is time to renew it. */
export const CREDENTIAL_WARN_MS = 7 * 86_400_000;
/** The hub answers in whole seconds and the clocks differ a little. */
const TOKEN_SLACK_SECONDS = 60;

export function diagnose(facts: DoctorFacts, policy: Policy, now: Date): Finding[] {
  return [
    rbac(facts.hub.rbac),
    anonymousReads(facts.hub.anonymousReads),
    tokenMaximum(facts.hub.tokenMaximum, policy),
    ...TOKEN_ROLES.map((role) => presetRole(role, facts.hub.clusterRoles)),
    policyRoles(facts.hub.clusterRoles, policy),
    hubIdentity(facts.hub),
    botCredential(facts.botCredentialExpiresAt, now),
    slackScopes(facts.slack),
    userGroups(facts.slack.userGroups, policy),
    ...policy.roles.filter((r) => r.approval).map((r) => approvers(r.alias, r.approval!.count, facts.slack.approvers)),
  ];
}

/** The worst status among the findings. */
export function overall(findings: readonly Finding[]): Status {
  return findings.some((f) => f.status === 'fail') ? 'fail' : findings.some((f) => f.status === 'warn') ? 'warn' : 'ok';
}

/** Every user group the policy names (IDs or handles), each once: what the Slack adapter looks up. */
export function policyGroups(policy: Policy): string[] {
  const audiences = [...policy.roles.flatMap((r) => [r.allowed, ...(r.approval ? [r.approval] : [])]), policy.revokers];
  return [...new Set(audiences.flatMap((a) => a.groups))];
}

/** The ClusterRoles the bot reads: Karpor's presets (for the check-up) and the policy's roles (for it and the approval cards). */
export function clusterRolesRead(policy: Pick<Policy, 'roles'>): string[] {
  return [...new Set([...TOKEN_ROLES, ...policy.roles.map((r) => r.clusterRole)])];
}

/** The longest lifetime the policy lets anyone ask for. */
export function longestRoleSeconds(policy: Policy): number {
  return Math.max(0, ...policy.roles.map((r) => r.maxSeconds));
}

function rbac(enabled: boolean | undefined): Finding {
  if (enabled === undefined) return { check: 'rbac', status: 'warn', state: 'unknown' };
  return enabled ? { check: 'rbac', status: 'ok', state: 'on' } : { check: 'rbac', status: 'fail', state: 'off' };
}

/**
 * Open when any read without a token got through authorization: 2xx, or 404 (the path is unknown
 * but was allowed; an apiserver answers 404 only after authorizing). Closed only when every
 * probe was refused.
 */
function anonymousReads(probes: HubFacts['anonymousReads']): Finding {
  const passed = (s: number): boolean => (s >= 200 && s < 300) || s === 404;
  const openPaths = probes.filter((p) => passed(p.status)).map((p) => p.path);
  if (openPaths.length > 0) return { check: 'anonymous-reads', status: 'fail', state: 'open', openPaths };
  const refused = probes.length > 0 && probes.every((p) => p.status === 401 || p.status === 403);
  return refused ? { check: 'anonymous-reads', status: 'ok', state: 'closed', openPaths } : { check: 'anonymous-reads', status: 'warn', state: 'unknown', openPaths };
}

function tokenMaximum(probe: HubFacts['tokenMaximum'], policy: Policy): Finding {
  const longestSeconds = longestRoleSeconds(policy);
  if (!probe) return { check: 'token-maximum', status: 'warn', state: 'unknown', longestSeconds, cutRoles: [] };
  const { grantedSeconds } = probe;
  const cutRoles = policy.roles.filter((r) => r.maxSeconds > grantedSeconds + TOKEN_SLACK_SECONDS).map((r) => ({ role: r.alias, maxSeconds: r.maxSeconds }));
  return cutRoles.length
    ? { check: 'token-maximum', status: 'warn', state: 'short', grantedSeconds, longestSeconds, cutRoles }
    : { check: 'token-maximum', status: 'ok', state: 'enough', grantedSeconds, longestSeconds, cutRoles };
}

function presetRole(role: string, roles: HubFacts['clusterRoles']): Finding {
  const rules = roles.find((r) => r.name === role)?.rules;
  const none = { added: [], removed: [] };
  if (rules === undefined) return { check: 'preset-role', status: 'warn', role, state: 'unknown', ...none };
  if (rules === null) return { check: 'preset-role', status: 'warn', role, state: 'missing', ...none };
  const diff = differencesFromDefault(role, rules) ?? none;
  const differs = isDifferent(diff);
  return { check: 'preset-role', status: differs ? 'warn' : 'ok', role, state: differs ? 'differs' : 'default', ...diff };
}

function policyRoles(roles: HubFacts['clusterRoles'], policy: Policy): Finding {
  const rulesOf = (name: string): RoleRule[] | null | undefined => roles.find((r) => r.name === name)?.rules;
  const missing = policy.roles.filter((r) => rulesOf(r.clusterRole) === null).map((r) => ({ role: r.alias, clusterRole: r.clusterRole }));
  const unknown = [...new Set(policy.roles.filter((r) => rulesOf(r.clusterRole) === undefined).map((r) => r.clusterRole))];
  const status: Status = missing.length ? 'fail' : unknown.length ? 'warn' : 'ok';
  return { check: 'policy-roles', status, missing, unknown };
}

/** The bot's own access: refused anywhere is a failure; it works once it made a probe token and read every role. */
function hubIdentity(hub: HubFacts): Finding {
  const refused = hub.botRefused ?? [];
  if (refused.length) return { check: 'hub-identity', status: 'fail', state: 'refused', refused };
  const readAll = hub.clusterRoles.every((r) => r.rules !== undefined);
  return hub.tokenMaximum && readAll ? { check: 'hub-identity', status: 'ok', state: 'works', refused } : { check: 'hub-identity', status: 'warn', state: 'unknown', refused };
}

function botCredential(expiresAt: Date | null | undefined, now: Date): Finding {
  if (expiresAt === undefined) return { check: 'bot-credential', status: 'warn', state: 'unknown' };
  if (expiresAt === null) return { check: 'bot-credential', status: 'ok', state: 'never' };
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return { check: 'bot-credential', status: 'fail', state: 'expired', expiresAt };
  if (left < CREDENTIAL_WARN_MS) return { check: 'bot-credential', status: 'warn', state: 'expiring', expiresAt };
  return { check: 'bot-credential', status: 'ok', state: 'valid', expiresAt };
}

/** Missing scopes break features; extra ones are more than the bot needs to hold. */
function slackScopes({ grantedScopes, neededScopes }: SlackFacts): Finding {
  if (!grantedScopes) return { check: 'slack-scopes', status: 'warn', state: 'unknown', missing: [], extra: [] };
  const missing = neededScopes.filter((s) => !grantedScopes.includes(s));
  const extra = grantedScopes.filter((s) => !neededScopes.includes(s));
  return { check: 'slack-scopes', status: missing.length ? 'fail' : extra.length ? 'warn' : 'ok', state: 'known', missing, extra };
}

function userGroups(groups: SlackFacts['userGroups'], policy: Policy): Finding {
  const named = policyGroups(policy);
  if (named.length === 0) return { check: 'user-groups', status: 'ok', state: 'none-named', missing: [] };
  if (groups === 'not-on-plan') return { check: 'user-groups', status: 'fail', state: 'not-on-plan', missing: named };
  if (groups === 'unreadable') return { check: 'user-groups', status: 'warn', state: 'unreadable', missing: [] };
  // A named group the adapter did not report is as good as not found.
  const missing = named.filter((ref) => !groups.some((g) => g.ref === ref && g.found));
  return { check: 'user-groups', status: missing.length ? 'warn' : 'ok', state: 'checked', missing };
}

function approvers(role: string, needed: number, reach: SlackFacts['approvers']): Finding {
  const reachable = reach.find((a) => a.role === role)?.reachable ?? 0;
  return { check: 'approvers', status: reachable >= needed ? 'ok' : 'fail', role, needed, reachable };
}
