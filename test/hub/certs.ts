// The test hub's certificates, made with the openssl CLI (Node can parse X.509 but not issue it).
// EC keys: an RSA key takes a second or more on a loaded 2-core machine.
import { execFile } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

export interface KeyPair {
  keyPath: string;
  certPath: string;
}

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, (err, _stdout, stderr) => (err ? reject(new Error(`openssl ${args[0]} failed: ${stderr.trim() || err.message}`)) : resolve()));
  });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '7'];

/** A self-signed CA in `dir`, as `<name>.key` / `<name>.crt`. */
export async function makeCa(dir: string, name: string): Promise<KeyPair> {
  const pair = { keyPath: path.join(dir, `${name}.key`), certPath: path.join(dir, `${name}.crt`) };
  await openssl(['req', '-x509', ...EC, '-subj', `/CN=${name}`, '-keyout', pair.keyPath, '-out', pair.certPath,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await fsp.chmod(pair.keyPath, 0o600);
  return pair;
}

/**
 * A certificate signed by `ca`: a client certificate (user = CN, groups = O, as Kubernetes reads
 * them) or, with `ip`, a serving certificate for that address.
 */
export async function makeCert(dir: string, name: string, ca: KeyPair, subject: { cn: string; o?: string[]; ip?: string }): Promise<KeyPair> {
  const pair = { keyPath: path.join(dir, `${name}.key`), certPath: path.join(dir, `${name}.crt`) };
  const subj = `/CN=${subject.cn}${(subject.o ?? []).map((o) => `/O=${o}`).join('')}`;
  const usage = subject.ip ? ['-addext', `subjectAltName=IP:${subject.ip}`, '-addext', 'extendedKeyUsage=serverAuth'] : ['-addext', 'extendedKeyUsage=clientAuth'];
  await openssl(['req', '-x509', ...EC, '-subj', subj, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-keyout', pair.keyPath, '-out', pair.certPath,
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature', ...usage]);
  await fsp.chmod(pair.keyPath, 0o600);
  return pair;
}
