import { z } from 'zod';
import type { HubSource } from '../hub/client';

/** Every setting the bot reads from its environment (a `.env` file locally). */
const schema = z
  .object({
    SLACK_BOT_TOKEN: z.string({ error: 'is required: the bot token (xoxb-…) from your Slack app\'s "OAuth & Permissions" page' }).startsWith('xoxb-', 'must be a bot token, starting with xoxb-'),
    SLACK_MODE: z.enum(['http', 'socket'], { error: 'must be "http" (Slack posts to /slack/events) or "socket" (Socket Mode)' }).default('socket'),
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must be an app-level token, starting with xapp-').optional(),
    SLACK_API_URL: z.url({ error: 'must be a URL like https://slack.com/api/' }).optional(),
    HUB_KUBECONFIG: z.string().min(1).optional(),
    HUB_KUBECONFIG_CONTEXT: z.string().min(1).optional(),
    HUB_IN_CLUSTER: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
    HUB_KUBECONFIG_CONFIGMAP: z
      .string()
      .regex(/^[a-z0-9-]+\/[a-z0-9.-]+(:[\w.-]+)?$/, 'must look like <namespace>/<name>[:<key>], e.g. karpor/karpor-kubeconfig:config')
      .optional(),
    HUB_ALLOW_SUPERUSER: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
    HUB_SERVER: z.url({ error: 'must be a URL like https://karpor-server.karpor.svc:7443' }).optional(),
    HUB_CREDENTIAL_SECRET: z
      .string()
      .regex(/^[a-z0-9-]+\/[a-z0-9.-]+(:[\w.-]+)?$/, 'must look like <namespace>/<name>[:<key>], e.g. karpor-token-bot/karpor-token-bot-hub:kubeconfig')
      .optional(),
    HUB_NAMESPACE: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name').default('karpor-token-bot'),
    HUB_TIMEOUT_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(100).max(120_000).default(10_000),
    POLICY_FILE: z.string().min(1).default('policy.yaml'),
    PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65_535).default(3000),
    HOST: z.string().regex(/^[0-9a-fA-F.:]+$|^localhost$/, 'must be an IP address to listen on, like 127.0.0.1 or ::').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    KARPOR_DASHBOARD_URL: z.url({ error: 'must be the URL of your Karpor dashboard' }).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.SLACK_MODE === 'http' && !env.SLACK_SIGNING_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'is required in http mode: the "Signing Secret" from your Slack app\'s "Basic Information" page' });
    }
    if (env.SLACK_MODE === 'socket' && !env.SLACK_APP_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_APP_TOKEN'], message: 'is required in socket mode: an app-level token (xapp-…) with the connections:write scope' });
    }
    const sources = [env.HUB_KUBECONFIG, env.HUB_IN_CLUSTER === 'true' ? 'x' : undefined, env.HUB_KUBECONFIG_CONFIGMAP].filter(Boolean);
    if (sources.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['HUB_KUBECONFIG'],
        message: `set exactly one way to reach the Karpor hub (found ${sources.length}): HUB_KUBECONFIG=<path>, HUB_IN_CLUSTER=true, or HUB_KUBECONFIG_CONFIGMAP=karpor/karpor-kubeconfig:config`,
      });
    }
    if (sources.length === 1 && typeof env.HUB_KUBECONFIG_CONFIGMAP === 'string' && env.HUB_KUBECONFIG_CONFIGMAP.includes('/') && env.HUB_ALLOW_SUPERUSER !== 'true') {
      ctx.addIssue({
        code: 'custom',
        path: ['HUB_KUBECONFIG_CONFIGMAP'],
        message: "makes the bot a hub superuser (Karpor's own system:masters kubeconfig): run `karpor-token-bot setup-hub` and use HUB_KUBECONFIG instead, or set HUB_ALLOW_SUPERUSER=true to accept that",
      });
    }
    if (env.HUB_CREDENTIAL_SECRET && !env.HUB_KUBECONFIG) {
      ctx.addIssue({ code: 'custom', path: ['HUB_CREDENTIAL_SECRET'], message: "stores the bot's renewed HUB_KUBECONFIG: it needs HUB_KUBECONFIG" });
    }
  }, {
    // Also when a field is missing or malformed, so that every problem is listed at once.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

export type Env = z.infer<typeof schema>;

export interface Settings {
  slack: { botToken: string; mode: 'http' | 'socket'; signingSecret?: string; appToken?: string; apiUrl?: string };
  hub: {
    source: HubSource;
    namespace: string;
    timeoutMs: number;
    /** The host-cluster Secret HUB_KUBECONFIG is mounted from, where a renewed credential is stored. */
    credentialSecret?: { namespace: string; name: string; key: string };
  };
  policyFile: string;
  port: number;
  /** Address to listen on in HTTP mode (all interfaces when unset). */
  host?: string;
  logLevel: Env['LOG_LEVEL'];
  dashboardUrl?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[], what: string) {
    super(`${what} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Issues as `NAME: what is wrong and how to fix it`, never with the value itself. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => describeIssue(issue, []));
}

function describeIssue(issue: z.core.$ZodIssue, base: PropertyKey[]): string[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union') {
    // When only one alternative got past its type check, its own issues say what to fix.
    const tried = issue.errors.filter((branch) => branch.some((i) => i.path.length > 0 || (i.code !== 'invalid_type' && i.code !== 'invalid_value')));
    if (tried.length === 1) return tried[0]!.flatMap((i) => describeIssue(i, path));
  }
  if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    return issue.issues.map((i) => `${path.map(String).join('.')}: ${i.message}`);
  }
  return [`${path.map(String).join('.') || '(top)'}: ${issue.message}`];
}

export function loadSettings(env: NodeJS.ProcessEnv): Settings {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error), 'The environment');
  const e = parsed.data;
  return {
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      mode: e.SLACK_MODE,
      ...(e.SLACK_SIGNING_SECRET && { signingSecret: e.SLACK_SIGNING_SECRET }),
      ...(e.SLACK_APP_TOKEN && { appToken: e.SLACK_APP_TOKEN }),
      ...(e.SLACK_API_URL && { apiUrl: e.SLACK_API_URL }),
    },
    hub: { source: hubSource(e), namespace: e.HUB_NAMESPACE, timeoutMs: e.HUB_TIMEOUT_MS, ...(e.HUB_CREDENTIAL_SECRET && { credentialSecret: secretRef(e.HUB_CREDENTIAL_SECRET, 'kubeconfig') }) },
    policyFile: e.POLICY_FILE,
    port: e.PORT,
    ...(e.HOST && { host: e.HOST }),
    logLevel: e.LOG_LEVEL,
    ...(e.KARPOR_DASHBOARD_URL && { dashboardUrl: e.KARPOR_DASHBOARD_URL }),
  };
}

function secretRef(text: string, defaultKey: string): { namespace: string; name: string; key: string } {
  const [ref, key = defaultKey] = text.split(':');
  const [namespace, name] = ref!.split('/') as [string, string];
  return { namespace, name, key };
}

function hubSource(e: Env): HubSource {
  if (e.HUB_KUBECONFIG) return { kind: 'kubeconfig', path: e.HUB_KUBECONFIG, ...(e.HUB_KUBECONFIG_CONTEXT && { context: e.HUB_KUBECONFIG_CONTEXT }) };
  if (e.HUB_IN_CLUSTER === 'true') return { kind: 'in-cluster' };
  const [ref, key = 'config'] = e.HUB_KUBECONFIG_CONFIGMAP!.split(':');
  const [namespace, name] = ref!.split('/') as [string, string];
  return { kind: 'configmap', namespace, name, key, ...(e.HUB_SERVER && { server: e.HUB_SERVER }) };
}
