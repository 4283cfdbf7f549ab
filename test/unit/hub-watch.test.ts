// The live copy on its own, over a fake hub client: when the hub says the copy's version is too
// old (410, after a long disconnection or an etcd compaction), the copy is listed again, so what
// changed meanwhile is neither lost nor kept: a deletion it missed goes, a creation it missed comes.
import { PassThrough } from 'node:stream';
import type { HubClient } from '../../src/hub/client';
import { HubStatusError } from '../../src/hub/http';
import { HubWatch } from '../../src/hub/watch';

interface Obj {
  metadata: { name: string; resourceVersion?: string };
}

/** A hub whose list answers change between calls and whose watches follow a script. */
function fakeHub(lists: Array<{ names: string[]; version: string }>, watches: Array<'expired event' | 'expired status' | 'open'>) {
  const asked: string[] = [];
  const open: PassThrough[] = [];
  const conn = {
    async get(_op: string, path: string) {
      asked.push(`GET ${path}`);
      const list = lists.shift() ?? { names: [], version: '0' };
      return { items: list.names.map((name) => ({ metadata: { name } })), metadata: { resourceVersion: list.version } };
    },
    async stream(path: string, signal: AbortSignal) {
      asked.push(`WATCH ${path}`);
      const next = watches.shift() ?? 'open';
      if (next === 'expired status') throw new HubStatusError(410, { reason: 'Expired', message: 'too old resource version' });
      const body = new PassThrough();
      signal.addEventListener('abort', () => body.destroy());
      if (next === 'expired event') {
        // What kube-apiserver sends when a watch starts from a compacted version: 200, then an ERROR event.
        setImmediate(() => body.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } })}\n`));
      } else open.push(body);
      return { status: 200, body };
    },
    reload() {},
  };
  return { conn: conn as unknown as HubClient, asked, open };
}

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(['expired event', 'expired status'] as const)('a copy whose watch is told its version is too old (%s)', (how) => {
  test('is listed again: what was deleted meanwhile goes, what was made comes, and the watch goes on from the new list', async () => {
    const { conn, asked, open } = fakeHub(
      [
        { names: ['a', 'b'], version: '10' },
        { names: ['b', 'c'], version: '50' },
      ],
      [how, 'open'],
    );
    const trouble: unknown[] = [];
    const copy = new HubWatch<Obj>(conn, 'grants in karpor-guests', '/api/v1/namespaces/karpor-guests/secrets', () => undefined, (err) => trouble.push(err), 1_000);
    copy.start();
    try {
      await until(() => open.length === 1);
      await copy.current(1_000);
      expect(copy.values().map((o) => o.metadata.name).sort()).toEqual(['b', 'c']);
      expect(asked.map((a) => a.replace(/\?.*resourceVersion=(\d+).*/, ' from $1').replace(/\?.*/, ''))).toEqual([
        'GET /api/v1/namespaces/karpor-guests/secrets',
        'WATCH /api/v1/namespaces/karpor-guests/secrets from 10',
        'GET /api/v1/namespaces/karpor-guests/secrets',
        'WATCH /api/v1/namespaces/karpor-guests/secrets from 50',
      ]);
      // A version that is too old is the hub's normal way of saying "list again", not trouble.
      expect(trouble).toEqual([]);
    } finally {
      copy.stop();
    }
  });
});
