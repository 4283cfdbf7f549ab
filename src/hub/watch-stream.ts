import { text as readAll } from 'node:stream/consumers';
import type { HubClient } from './client';
import { HubStatusError } from './http';

/**
 * One watch of `path` over the hub client's own connections (its credentials, its proxy
 * settings). Resolves to the watch's controller once the hub has answered 200, and rejects with
 * a HubStatusError when it answers anything else; then `onEvent` gets each event as it comes and
 * `done` is called once, with `null` when the hub ends the watch or the error that ended it
 * (an abort included).
 */
export async function watchHub<T>(
  conn: HubClient,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  onEvent: (type: string, object: T) => void,
  done: (err: unknown) => void,
): Promise<AbortController> {
  const [base, search] = path.split('?', 2);
  const params = new URLSearchParams(search);
  params.set('watch', 'true');
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const controller = new AbortController();
  const { status, body } = await conn.stream(`${base}?${params}`, controller.signal);
  if (status !== 200) {
    const text = await readAll(body).catch(() => '');
    throw new HubStatusError(status, statusIn(text));
  }
  let ended = false;
  const end = (err: unknown) => {
    if (ended) return;
    ended = true;
    controller.abort();
    done(err);
  };
  // One JSON event per line; a line that is not JSON is skipped, as client-node's Watch does.
  let rest = '';
  const line = (text: string) => {
    if (!text.trim()) return;
    let event: { type?: string; object?: T };
    try {
      event = JSON.parse(text) as { type?: string; object?: T };
    } catch {
      return;
    }
    if (event.type && event.object) onEvent(event.type, event.object);
  };
  body.setEncoding('utf8');
  body.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) line(l);
  });
  body.on('end', () => {
    line(rest);
    end(null);
  });
  body.on('error', end);
  body.on('close', () => end(null));
  return controller;
}

function statusIn(text: string): { reason?: string; message?: string } {
  try {
    return JSON.parse(text) as { reason?: string; message?: string };
  } catch {
    return { reason: 'answer is not JSON' };
  }
}
