import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { credentialExpiry } from '../../src/hub/credential-expiry';

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims: unknown): string => `${b64({ alg: 'RS256' })}.${b64(claims)}.c2lnbmF0dXJl`;
const EXP = Date.UTC(2027, 0, 1) / 1000;

/** A self-signed certificate made by openssl, valid for `days`. */
function certificate(days: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cred-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=karpor-token-bot', '-days', String(days), '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore' });
    return fs.readFileSync(path.join(dir, 'c.pem'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test.each<[string, { token?: string; cert?: string }, Date | null | undefined]>([
  ['a JWT with exp', { token: jwt({ iss: 'karpor', exp: EXP }) }, new Date(EXP * 1000)],
  ['a JWT without exp', { token: jwt({ iss: 'karpor' }) }, null],
  ['a JWT whose exp is not a number', { token: jwt({ exp: '2027' }) }, undefined],
  ['a JWT whose claims are not JSON', { token: 'a.bm90IGpzb24.c' }, undefined],
  ['a JWT whose claims are null', { token: `a.${b64(null)}.c` }, undefined],
  ['an opaque token (a token file)', { token: 'f3a9c1' }, undefined],
  ['nothing', {}, undefined],
  ['a certificate that is not one', { cert: '-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n' }, undefined],
])('%s', (_name, credential, expected) => {
  expect(credentialExpiry(credential)).toEqual(expected);
});

test("a client certificate ends when it says; with a token too, the earlier end counts", () => {
  const cert = certificate(2);
  const end = credentialExpiry({ cert })!;
  expect(Math.abs(end.getTime() - (Date.now() + 2 * 86_400_000))).toBeLessThan(120_000);
  expect(credentialExpiry({ cert, token: jwt({ exp: EXP }) })).toEqual(end);
  expect(credentialExpiry({ cert, token: jwt({ exp: Math.floor(Date.now() / 1000) + 60 }) })!.getTime()).toBeLessThan(end.getTime());
  expect(credentialExpiry({ cert, token: 'opaque' })).toBeUndefined();
});
