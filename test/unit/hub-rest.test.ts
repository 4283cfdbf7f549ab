// The hub's REST client on its own, against a local HTTPS server: the credentials client-node
// applies (CA and token), one kept-alive connection for many calls, and the hub's answers as
// results or errors.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import tls from 'node:tls';
import * as k8s from '@kubernetes/client-node';
import { statusMessage, statusOf } from '../../src/hub/connection';
import { HubApiError, HubRest, paths } from '../../src/hub/rest';

let server: https.Server;
let ca: string;
let tlsMaterial: { key: string; cert: string };
let url: string;
const connections: unknown[] = [];
const seen: Array<{ method: string; path: string; authorization?: string; body: string }> = [];
/** What the server answers next: status and raw body. */
let answer: { status: number; body: string; delayMs?: number } = { status: 200, body: '{}' };

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
      setTimeout(() => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body), answer.delayMs ?? 0);
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

function client(timeoutMs = 2000, server = url, connections?: number): HubRest {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'hub', server, caData: Buffer.from(ca).toString('base64') }],
    users: [{ name: 'bot', token: 'bot-credential' }],
    contexts: [{ name: 'hub', cluster: 'hub', user: 'bot' }],
    currentContext: 'hub',
  });
  return new HubRest(kc, server, timeoutMs, connections);
}

test('sends the kubeconfig credentials and JSON bodies to the paths of the objects', async () => {
  answer = { status: 201, body: JSON.stringify({ metadata: { name: 'karpor-grant-x', uid: 'u1' } }) };
  const created = await client().create<k8s.V1Secret>(paths.secrets('karpor', undefined), { metadata: { name: 'karpor-grant-x' } });
  expect(created.metadata?.uid).toBe('u1');
  await client().get(paths.withLabels(paths.secrets('karpor'), 'karpor.io/user=U1,karpor.io/kind=grant'));
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

test('a refusal becomes a HubApiError with the Status the hub sent', async () => {
  answer = { status: 409, body: JSON.stringify({ kind: 'Status', reason: 'AlreadyExists', message: 'secrets "x" already exists' }) };
  const err = await client().create('/api/v1/namespaces/karpor/secrets', {}).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HubApiError);
  expect(statusOf(err)).toBe(409);
  expect(statusMessage(err)).toBe('409 AlreadyExists: secrets "x" already exists');
});

test('an answer that is not JSON is an error, also with a success status', async () => {
  answer = { status: 200, body: '<html>proxy login</html>' };
  const err = await client().get('/api/v1/namespaces/karpor/secrets').catch((e: unknown) => e);
  expect(statusOf(err)).toBe(502);
  answer = { status: 503, body: 'upstream unavailable' };
  expect(statusMessage(await client().get('/x').catch((e: unknown) => e))).toBe('503 answer is not JSON:');
});

test('a call that outlasts the timeout fails', async () => {
  answer = { status: 200, body: '{}', delayMs: 500 };
  const err = await client(100).get('/api/v1/namespaces/karpor/secrets').catch((e: unknown) => e);
  expect((err as Error).name).toBe('TimeoutError');
  expect(statusOf(err)).toBeUndefined();
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
