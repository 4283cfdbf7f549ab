// The bot's kubeconfig reader: what it applies to a call for the kinds of kubeconfig it reads
// itself (files named relative to the kubeconfig, a pod's ServiceAccount), and that a user with
// an exec plugin is left to client-node's authenticators.
import * as fs from 'node:fs';
import type https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { Kubeconfig } from '../../src/hub/kubeconfig';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));

function file(folder: string, doc: object): string {
  const name = path.join(folder, 'config');
  fs.writeFileSync(name, stringify(doc));
  return name;
}

const config = (user: object, cluster: object = {}) => ({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'hub', cluster: { server: 'https://hub.example:7443/', ...cluster } }],
  users: [{ name: 'bot', user }],
  contexts: [
    { name: 'hub', context: { cluster: 'hub', user: 'bot' } },
    { name: 'other', context: { cluster: 'nowhere', user: 'bot' } },
  ],
  'current-context': 'hub',
});

async function applied(kc: Kubeconfig): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return opts;
}

test('files named relative to the kubeconfig are read from its folder; a token file is read on every apply', async () => {
  const folder = dir();
  fs.mkdirSync(path.join(folder, 'pki'));
  fs.writeFileSync(path.join(folder, 'pki/ca.crt'), 'the CA');
  fs.writeFileSync(path.join(folder, 'pki/tls.crt'), 'the certificate');
  fs.writeFileSync(path.join(folder, 'pki/tls.key'), 'the key');
  fs.writeFileSync(path.join(folder, 'token'), 'first\n');
  const kc = Kubeconfig.fromFile(file(folder, config({ tokenFile: 'token', 'client-certificate': 'pki/tls.crt', 'client-key': 'pki/tls.key' }, { 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'karpor-server' })));
  expect(kc.server).toBe('https://hub.example:7443');
  const opts = await applied(kc);
  expect([String(opts.ca), String(opts.cert), String(opts.key), opts.servername, opts.rejectUnauthorized]).toEqual(['the CA', 'the certificate', 'the key', 'karpor-server', undefined]);
  expect(opts.headers).toEqual({ authorization: 'Bearer first' });
  fs.writeFileSync(path.join(folder, 'token'), 'second');
  expect((await applied(kc)).headers).toEqual({ authorization: 'Bearer second' });
});

test('inline data, a skipped TLS check, another context, a replaced token and server, written out again', async () => {
  const doc = config({ token: 'inline', 'client-certificate-data': Buffer.from('cert').toString('base64') }, { 'certificate-authority-data': Buffer.from('ca').toString('base64'), 'insecure-skip-tls-verify': true });
  const kc = Kubeconfig.fromText(stringify(doc));
  const opts = await applied(kc);
  expect([String(opts.ca), String(opts.cert), opts.key, opts.rejectUnauthorized, opts.headers]).toEqual(['ca', 'cert', undefined, false, { authorization: 'Bearer inline' }]);
  expect(Kubeconfig.fromText(stringify(doc), 'other').server).toBeUndefined();

  const renewed = kc.withToken('renewed').withServer('https://proxy.example');
  expect(kc.token).toBe('inline');
  expect(renewed.token).toBe('renewed');
  const again = Kubeconfig.fromText(renewed.text());
  expect([again.server, again.token]).toEqual(['https://proxy.example', 'renewed']);
  expect((parse(renewed.text()) as { users: unknown[] }).users).toHaveLength(1);
});

test("a pod's ServiceAccount: the service's address (an IPv6 one in brackets), its CA and its token file", async () => {
  const root = dir();
  fs.writeFileSync(path.join(root, 'ca.crt'), 'cluster CA');
  fs.writeFileSync(path.join(root, 'token'), 'pod-token');
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  process.env.KUBERNETES_SERVICE_HOST = 'fd00::1';
  process.env.KUBERNETES_SERVICE_PORT = '443';
  try {
    const kc = Kubeconfig.inCluster(root);
    expect(kc.server).toBe('https://[fd00::1]:443');
    const opts = await applied(kc);
    expect([String(opts.ca), opts.headers]).toEqual(['cluster CA', { authorization: 'Bearer pod-token' }]);
  } finally {
    for (const [name, value] of [['KUBERNETES_SERVICE_HOST', saved.host], ['KUBERNETES_SERVICE_PORT', saved.port]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test("a user with an exec plugin gets its token from the plugin, through client-node's authenticator", async () => {
  const folder = dir();
  const plugin = path.join(folder, 'plugin.js');
  fs.writeFileSync(plugin, `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-the-plugin' } }));`);
  const kc = Kubeconfig.fromFile(file(folder, config({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } }, { 'certificate-authority-data': Buffer.from('ca').toString('base64') })));
  const opts = await applied(kc);
  expect(opts.headers).toMatchObject({ Authorization: 'Bearer from-the-plugin' });
  expect(String(opts.ca)).toBe('ca');
});
