// The hub client on its own, against a local HTTPS server: the credentials client-node applies
// (CA and token), one kept-alive connection for many calls, the hub's answers as results or
// errors, and each verb's explicit result for an object that is not there (or already is).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { text } from 'node:stream/consumers';
import tls from 'node:tls';
import * as k8s from '@kubernetes/client-node';
import { HubError } from '../../src/domain/errors';
import { HubClient } from '../../src/hub/client';
import { HubHttp, HubStatusError } from '../../src/hub/http';
import { paths } from '../../src/hub/paths';
import { watchHub } from '../../src/hub/watch-stream';
import { say } from '../../src/slack/text/answers';

const statusOf = (err: unknown) => (err instanceof HubStatusError ? err.code : undefined);

let server: https.Server;
let ca: string;
let tlsMaterial: { key: string; cert: string };
let url: string;
const connections: unknown[] = [];
const seen: Array<{ method: string; path: string; authorization?: string; body: string }> = [];
/** What the server answers next: status and raw body (or the body in `chunks`, sent one at a time). */
let answer: { status: number; body: string; delayMs?: number; chunks?: string[] } = { status: 200, body: '{}' };

/** A certificate for 127.0.0.1 and its key. */
function selfSigned(): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-rest-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { stdio: 'ignore' });
    return { key: fs.readFileSync(`${dir}/key.pem`, 'utf8'), cert: fs.readFileSync(`${dir}/cert.pem`, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  const certificate = selfSigned();
  tlsMaterial = certificate;
  ca = certificate.cert;
  server = https.createServer(certificate, (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, path: req.url!, authorization: req.headers.authorization, body });
      const { status, body: text, delayMs, chunks } = answer;
      if (!chunks) return void setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(text), delayMs ?? 0);
      res.writeHead(status, { 'content-type': 'application/json' });
      const next = (i: number) => (i < chunks.length ? res.write(chunks[i], () => setTimeout(() => next(i + 1), 20)) : res.end());
      next(0);
    });
  });
  server.on('secureConnection', (socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
  answer = { status: 200, body: '{}' };
});

function client(timeoutMs = 2000, server = url, connections?: number): HubHttp {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'hub', server, caData: Buffer.from(ca).toString('base64') }],
    users: [{ name: 'bot', token: 'bot-credential' }],
    contexts: [{ name: 'hub', cluster: 'hub', user: 'bot' }],
    currentContext: 'hub',
  });
  return new HubHttp(kc, server, timeoutMs, connections);
}

test('sends the kubeconfig credentials and JSON bodies to the paths of the objects', async () => {
  answer = { status: 201, body: JSON.stringify({ metadata: { name: 'karpor-grant-x', uid: 'u1' } }) };
  const created = await client().create<k8s.V1Secret>(paths.secrets('karpor', undefined), { metadata: { name: 'karpor-grant-x' } });
  expect(created.metadata?.uid).toBe('u1');
  await client().get(`${paths.secrets('karpor')}?labelSelector=${encodeURIComponent('karpor.io/user=U1,karpor.io/kind=grant')}`);
  await client().delete(paths.clusterRoleBindings('karpor-bot-guest'));
  expect(seen).toEqual([
    { method: 'POST', path: '/api/v1/namespaces/karpor/secrets', authorization: 'Bearer bot-credential', body: '{"metadata":{"name":"karpor-grant-x"}}' },
    { method: 'GET', path: '/api/v1/namespaces/karpor/secrets?labelSelector=karpor.io%2Fuser%3DU1%2Ckarpor.io%2Fkind%3Dgrant', authorization: 'Bearer bot-credential', body: '' },
    { method: 'DELETE', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/karpor-bot-guest', authorization: 'Bearer bot-credential', body: '' },
  ]);
});

test('names are path segments, never paths', () => {
  expect(paths.secrets('karpor', '../../x')).toBe('/api/v1/namespaces/karpor/secrets/..%2F..%2Fx');
  expect(paths.token('karpor', 'a/b')).toBe('/api/v1/namespaces/karpor/serviceaccounts/a%2Fb/token');
});

test('a refusal becomes a HubStatusError with the Status the hub sent', async () => {
  answer = { status: 409, body: JSON.stringify({ kind: 'Status', reason: 'AlreadyExists', message: 'secrets "x" already exists' }) };
  const err = await client().create('/api/v1/namespaces/karpor/secrets', {}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HubStatusError);
  expect(statusOf(err)).toBe(409);
  expect((err as Error).message).toBe('HTTP 409 AlreadyExists: secrets "x" already exists');
});

test('an answer that is not JSON is an error, also with a success status', async () => {
  answer = { status: 200, body: '<html>proxy login</html>' };
  const err = await client().get('/api/v1/namespaces/karpor/secrets').catch((e: unknown) => e);
  expect(statusOf(err)).toBe(502);
  answer = { status: 503, body: 'upstream unavailable' };
  expect(((await client().get('/x').catch((e: unknown) => e)) as Error).message).toBe('HTTP 503 answer is not JSON:');
});

test('a call that outlasts the timeout fails', async () => {
  answer = { status: 200, body: '{}', delayMs: 500 };
  const err = await client(100).get('/api/v1/namespaces/karpor/secrets').catch((e: unknown) => e);
  expect((err as Error).name).toBe('TimeoutError');
  expect(statusOf(err)).toBeUndefined();
});

test('a watch whose head does not come within the time limit fails; its body has no limit', async () => {
  // (undici checks this limit about once a second.)
  answer = { status: 200, body: '{}', delayMs: 3000 };
  const err = await client(100).stream('/api/v1/namespaces/karpor/secrets?watch=true', new AbortController().signal).catch((e: unknown) => e);
  expect((err as Error).name).toBe('HeadersTimeoutError');
  // Eight writes 20 ms apart: longer than the time limit in all.
  const line = '{"type":"ADDED","object":{}}\n';
  answer = { status: 200, body: '', chunks: line.match(/.{1,4}/gs)!.slice(0, 7).concat(line.slice(28)) };
  const { status, body } = await client(100).stream('/api/v1/namespaces/karpor/secrets?watch=true', new AbortController().signal);
  expect([status, await text(body)]).toEqual([200, line]);
});

test('one client keeps its connections alive across calls', async () => {
  const rest = client();
  const before = connections.length;
  for (let i = 0; i < 20; i++) await rest.get('/api/v1/namespaces/karpor/secrets');
  // (A call may start as the one before it is still being closed off, on a second connection.)
  expect(connections.length - before).toBeLessThanOrEqual(2);
  await Promise.all(Array.from({ length: 5 }, () => rest.get('/api/v1/namespaces/karpor/secrets')));
  expect(connections.length - before).toBeLessThanOrEqual(7);
  rest.close();
});

test('the connections of one client share one TLS context (the CA is not parsed again per connection)', async () => {
  const contexts = jest.spyOn(tls, 'createSecureContext');
  try {
    const rest = client();
    const before = connections.length;
    answer = { status: 200, body: '{}', delayMs: 50 };
    await Promise.all(Array.from({ length: 4 }, () => rest.get('/api/v1/namespaces/karpor/secrets')));
    expect(connections.length - before).toBe(4);
    expect(contexts).toHaveBeenCalledTimes(1);
    rest.close();
  } finally {
    contexts.mockRestore();
  }
});

describe('a kept-alive connection the hub closes just as it is reused', () => {
  let dropping: https.Server;
  let dropUrl: string;
  let received: string[] = [];
  /** The second request on any connection is dropped unanswered. */
  const perConnection = new WeakMap<object, number>();

  beforeAll(async () => {
    dropping = https.createServer(tlsMaterial, (req, res) => {
      const n = (perConnection.get(req.socket) ?? 0) + 1;
      perConnection.set(req.socket, n);
      received.push(req.method!);
      req.resume();
      req.on('end', () => (n > 1 ? req.socket.destroy() : res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')));
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    dropUrl = `https://127.0.0.1:${(dropping.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    dropping.closeAllConnections();
    await new Promise((resolve) => dropping.close(resolve));
  });
  beforeEach(() => void (received = []));

  test('a read or a delete is sent once more, on a fresh connection', async () => {
    const rest = client(2000, dropUrl, 1);
    expect(await rest.get('/a')).toEqual({ ok: true });
    expect(await rest.get('/b')).toEqual({ ok: true });
    expect(await rest.delete('/c')).toEqual({ ok: true });
    expect(received).toEqual(['GET', 'GET', 'GET', 'DELETE', 'DELETE']);
    rest.close();
  });

  test('a create is not sent again: it may have been done', async () => {
    const rest = client(2000, dropUrl, 1);
    await rest.get('/a');
    const err = await rest.create('/b', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(statusOf(err)).toBeUndefined();
    expect(received).toEqual(['GET', 'POST']);
    rest.close();
  });
});

describe('HubClient: one verb per kind of answer', () => {
  let hub: HubClient;
  const ops: Array<{ op: string; outcome: string }> = [];

  beforeAll(() => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hub-client-')), 'config');
    fs.writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'hub', cluster: { server: url, 'certificate-authority-data': Buffer.from(ca).toString('base64') } }],
        users: [{ name: 'bot', user: { token: 'bot-credential' } }],
        contexts: [{ name: 'hub', context: { cluster: 'hub', user: 'bot' } }],
        'current-context': 'hub',
      }),
    );
    hub = new HubClient({ kind: 'kubeconfig', path: file }, 2000, (op, _s, outcome) => void ops.push({ op, outcome }));
  });
  afterAll(() => hub.reload());
  beforeEach(() => void (ops.length = 0));

  const status = (code: number, reason: string) => ({ status: code, body: JSON.stringify({ kind: 'Status', reason, message: `${reason.toLowerCase()} here` }) });

  test('an object that is not there: undefined from getIfExists, false from deleteIfExists, a not-found HubError from get', async () => {
    answer = status(404, 'NotFound');
    expect(await hub.getIfExists('read grant', '/x')).toBeUndefined();
    expect(await hub.deleteIfExists('delete grant', '/x')).toBe(false);
    const err = await hub.get('list grants', '/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubError);
    expect(err).toMatchObject({ kind: 'not-found', message: 'list grants: 404 NotFound: notfound here' });
    expect(ops).toEqual([
      { op: 'read grant', outcome: '404' },
      { op: 'delete grant', outcome: '404' },
      { op: 'list grants', outcome: '404' },
    ]);
  });

  test('an object that is already there, or changed meanwhile: undefined from createUnlessExists and replaceUnlessChanged, a conflict from create', async () => {
    answer = status(409, 'AlreadyExists');
    expect(await hub.createUnlessExists('create serviceaccount', '/x', {})).toBeUndefined();
    expect(await hub.replaceUnlessChanged('update request', '/x', {})).toBeUndefined();
    await expect(hub.create('create grant', '/x', {})).rejects.toMatchObject({ kind: 'conflict' });
  });

  test('answers come back as they are; a deleted object is true', async () => {
    answer = { status: 200, body: '{"metadata":{"name":"x"}}' };
    expect(await hub.get('read grant', '/x')).toEqual({ metadata: { name: 'x' } });
    expect(await hub.deleteIfExists('delete grant', '/x')).toBe(true);
  });

  test('a 401 reads the credentials again and tries once more; a second 401 is a forbidden HubError', async () => {
    answer = status(401, 'Unauthorized');
    const before = seen.length;
    await expect(hub.get('list grants', '/x')).rejects.toMatchObject({ kind: 'forbidden' });
    expect(seen.length - before).toBe(2);
  });

  test('a watch: its query on the path, each event as it comes (also one split across writes), done once the hub ends it', async () => {
    const event = (type: string, name: string, rv: string) => JSON.stringify({ type, object: { metadata: { name, resourceVersion: rv } } });
    const modified = event('MODIFIED', 'b', '7');
    answer = { status: 200, body: '', chunks: [`${event('ADDED', 'a', '6')}\n${modified.slice(0, 20)}`, `${modified.slice(20)}\n`, 'not json\n', `${event('BOOKMARK', '', '9')}\n`] };
    const events: string[] = [];
    const ended = new Promise<unknown>((resolve) => {
      void watchHub<{ metadata: { name: string; resourceVersion: string } }>(
        hub,
        `${paths.secrets('karpor')}?labelSelector=${encodeURIComponent('karpor.io/kind=grant')}`,
        { resourceVersion: '5', allowWatchBookmarks: true, timeoutSeconds: 240, absent: undefined },
        (type, o) => events.push(`${type} ${o.metadata.name} ${o.metadata.resourceVersion}`),
        resolve,
      );
    });
    expect(await ended).toBeNull();
    expect(events).toEqual(['ADDED a 6', 'MODIFIED b 7', 'BOOKMARK  9']);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/karpor/secrets?labelSelector=karpor.io%2Fkind%3Dgrant&watch=true&resourceVersion=5&allowWatchBookmarks=true&timeoutSeconds=240', authorization: 'Bearer bot-credential' });
  });

  test('a watch the hub refuses rejects with its status (410: the version is too old), and nothing is called back', async () => {
    answer = status(410, 'Expired');
    const calls: unknown[] = [];
    const err = await watchHub(hub, '/api/v1/serviceaccounts', { resourceVersion: '1' }, (...a) => calls.push(a), (e) => calls.push(e)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubStatusError);
    expect(err).toMatchObject({ code: 410, message: 'HTTP 410 Expired: expired here' });
    expect(calls).toEqual([]);
  });

  test('the hub down is "unavailable", with an answer a person can act on', async () => {
    answer = { status: 503, body: 'upstream unavailable' };
    const err = (await hub.get('list grants', '/x').catch((e: unknown) => e)) as HubError;
    expect(err.kind).toBe('unavailable');
    expect(say({ kind: 'failed', error: err, ref: 'r1' })).toBe('The Karpor hub is not answering right now; nothing was issued. Try again in a minute. (ref r1)');
  });
});
