import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../domain/duration';
import { DEFAULT_REQUEST_LIMITS, LANGUAGES, MIN_SECONDS, type Policy, type RolePolicy } from '../domain/policy';
import { ConfigError, describeIssues } from './env';

const YEAR = 8760 * 3600;
const duration = z.string({ error: 'must be a duration like 30m, 8h, 1h30m or 2d' }).transform((text, ctx) => {
  const d = parseDuration(text);
  if (!d.ok) {
    ctx.addIssue({ code: 'custom', message: d.reason.kind === 'zero-duration' ? 'must be longer than zero' : `"${d.reason.word}" is not a duration like 30m, 8h, 1h30m or 2d` });
    return z.NEVER;
  }
  return d.seconds;
});
const groupRef = z.string().regex(/^[A-Za-z0-9._-]{1,80}$/, 'must be a Slack user-group ID (S…) or handle');
const userRef = z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'must be a Slack user ID (U… or W…), not a name or email');
const audience = {
  groups: z.array(groupRef).default([]),
  users: z.array(userRef).default([]),
};

const approval = z
  .object({
    ...audience,
    count: z.number().int().min(1).max(10).default(1),
    timeout: duration.default(1800),
    reasonRequired: z.boolean().default(true),
  })
  .strict()
  .refine((a) => a.groups.length + a.users.length > 0, 'needs at least one approver group or user');

const breakGlass = z
  .object({
    ...audience,
    maxDuration: duration.default(1800),
    confirmWithin: duration.default(900),
  })
  .strict()
  .refine((b) => b.groups.length + b.users.length > 0, 'needs at least one group or user who may break the glass')
  .refine((b) => b.confirmWithin < b.maxDuration, { message: 'confirmWithin must be shorter than maxDuration', path: ['confirmWithin'] })
  .refine((b) => b.maxDuration >= MIN_SECONDS, { message: 'must be at least 10m (the shortest token the hub issues)', path: ['maxDuration'] });

const role = z
  .object({
    clusterRole: z.string().regex(/^[a-z0-9:.-]{1,253}$/, 'must be a ClusterRole name'),
    ...audience,
    defaultDuration: duration.default(3600),
    maxDuration: duration.default(8 * 3600),
    approval: z.union([z.literal('none'), approval], { error: 'must be `none` or approver settings (groups, users, count, timeout, reasonRequired)' }).optional(),
    breakGlass: breakGlass.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.maxDuration < MIN_SECONDS) ctx.addIssue({ code: 'custom', path: ['maxDuration'], message: 'must be at least 10m (the shortest token the hub issues)' });
    if (r.maxDuration > YEAR) ctx.addIssue({ code: 'custom', path: ['maxDuration'], message: 'must be at most 8760h (the hub\'s longest token)' });
    if (r.defaultDuration < MIN_SECONDS || r.defaultDuration > r.maxDuration) ctx.addIssue({ code: 'custom', path: ['defaultDuration'], message: 'must be between 10m and maxDuration' });
    if (r.groups.length + r.users.length === 0) ctx.addIssue({ code: 'custom', path: ['groups'], message: 'nobody may request this role: list Slack user groups or user IDs' });
    if (r.clusterRole === 'karpor-admin' && r.approval === undefined) {
      ctx.addIssue({ code: 'custom', path: ['approval'], message: 'karpor-admin needs approval by default: list approver groups, or write `approval: none` to opt out' });
    }
  });

const schema = z
  .object({
    identity: z
      .object({
        mode: z.enum(['shared', 'per-user'], { error: 'must be "shared" or "per-user"' }).default('shared'),
        prefix: z.string().regex(/^[a-z][a-z0-9-]{0,20}$/, 'must be a short lowercase name, like karpor').default('karpor'),
      })
      .strict()
      .default({ mode: 'shared', prefix: 'karpor' }),
    approvalsChannel: z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'must be a Slack channel ID (C…), not a name').optional(),
    revokers: z.object(audience).strict().default({ groups: [], users: [] }),
    requests: z
      .object({
        maxOpenPerPerson: z.number().int().min(1).max(100).default(DEFAULT_REQUEST_LIMITS.maxOpenPerPerson),
        keepFinished: duration.default(DEFAULT_REQUEST_LIMITS.keepFinishedSeconds),
      })
      .strict()
      .optional(),
    auditChannel: z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'must be a Slack channel ID (C…), not a name').optional(),
    language: z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }).optional(),
    roles: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'role aliases are short lowercase names'), role).refine((r) => Object.keys(r).length > 0, 'list at least one role'),
  })
  .strict()
  .superRefine((p, ctx) => {
    const revokers = p.revokers.groups.length + p.revokers.users.length > 0;
    for (const [alias, r] of Object.entries(p.roles)) {
      if (r.breakGlass && (r.approval === undefined || r.approval === 'none') && !revokers) {
        ctx.addIssue({ code: 'custom', path: ['roles', alias, 'breakGlass'], message: 'nobody could confirm it: give the role approvers, or list revokers' });
      }
    }
  });

export type PolicyInput = z.input<typeof schema>;

/** Validates a parsed policy document; every problem is reported at once. */
export function policyFrom(doc: unknown): Policy {
  const parsed = schema.safeParse(doc);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error), 'The policy');
  const p = parsed.data;
  const roles: RolePolicy[] = Object.entries(p.roles).map(([alias, r]) => ({
    alias,
    clusterRole: r.clusterRole,
    allowed: { groups: r.groups, users: r.users },
    defaultSeconds: r.defaultDuration,
    maxSeconds: r.maxDuration,
    approval:
      r.approval === undefined || r.approval === 'none'
        ? null
        : { groups: r.approval.groups, users: r.approval.users, count: r.approval.count, timeoutSeconds: r.approval.timeout, reasonRequired: r.approval.reasonRequired },
    ...(r.breakGlass && { breakGlass: { groups: r.breakGlass.groups, users: r.breakGlass.users, maxSeconds: r.breakGlass.maxDuration, confirmWithinSeconds: r.breakGlass.confirmWithin } }),
  }));
  return {
    roles,
    identity: p.identity,
    revokers: p.revokers,
    ...(p.approvalsChannel && { approvalsChannel: p.approvalsChannel }),
    ...(p.auditChannel && { auditChannel: p.auditChannel }),
    ...(p.language && { language: p.language }),
    ...(p.requests && { requests: { maxOpenPerPerson: p.requests.maxOpenPerPerson, keepFinishedSeconds: p.requests.keepFinished } }),
  };
}

export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}; set POLICY_FILE to your policy's path`], 'The policy');
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([`${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`], 'The policy');
  }
  return policyFrom(doc);
}
