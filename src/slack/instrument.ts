import type { WebClient } from '@slack/web-api';

type Observe = (method: string, seconds: number, outcome: string) => void;

const NAMESPACES = ['auth', 'chat', 'conversations', 'usergroups', 'users', 'views'];

/**
 * Times the Web API methods the bot calls. The client binds each method to its `apiCall` when
 * it is built, so the methods themselves are wrapped, namespace by namespace.
 */
export function instrumentSlack(client: WebClient, observe: Observe): void {
  for (const ns of NAMESPACES) wrap((client as unknown as Record<string, Record<string, unknown>>)[ns]!, ns, observe);
}

function wrap(target: Record<string, unknown>, prefix: string, observe: Observe): void {
  for (const [key, value] of Object.entries(target)) {
    const method = `${prefix}.${key}`;
    if (typeof value === 'function') {
      const call = value as (args?: unknown) => Promise<unknown>;
      target[key] = async (args?: unknown) => {
        const started = process.hrtime.bigint();
        let outcome = 'ok';
        try {
          return await call(args);
        } catch (err) {
          const e = err as { data?: { error?: string }; code?: string };
          outcome = e.data?.error ?? e.code ?? 'error';
          throw err;
        } finally {
          observe(method, Number(process.hrtime.bigint() - started) / 1e9, outcome);
        }
      };
    } else if (value && typeof value === 'object') {
      wrap(value as Record<string, unknown>, method, observe);
    }
  }
}
