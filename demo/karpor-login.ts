// "Log in to Karpor with this token": what the hub says to a token, checked server-side, the way
// Karpor's dashboard sees it.
//
// The dashboard's login sends `GET /rest-api/v1/authn` with the token: 200 logged in, 401 token
// not accepted, 403 valid but its role may not. Who the token belongs to comes from the token's
// own claims: Karpor serves no TokenReview or SelfSubjectReview to ask. The playground's hub is
// the test hub, which stands in for Karpor (test/hub/README.md): it has no handler for Karpor's
// write paths, so a write it lets through ends in 404.
import * as https from 'node:https';
import { tokenOwner } from '../test/support/hub';

export type Verdict = 'allowed' | 'forbidden' | 'rejected' | 'unexpected';

export interface Check {
  what: string;
  method: string;
  path: string;
  status: number;
  verdict: Verdict;
  explanation: string;
}

export interface LoginReport {
  /** Who the token belongs to (a ServiceAccount), from its claims, when the hub accepts it. */
  username?: string;
  checks: Check[];
  summary: string;
}

const CHECKS = [
  { what: 'Log in (read)', method: 'GET', path: '/rest-api/v1/authn', write: false },
  { what: 'Register a cluster (write)', method: 'POST', path: '/rest-api/v1/cluster/demo', body: '{"description":"playground"}', write: true },
];

function call(server: string, token: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const url = new URL(path, server);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
        },
        // The local hub's serving certificate is self-signed, and it listens on loopback only.
        rejectUnauthorized: false,
        timeout: 10_000,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer from the hub`)));
    req.on('error', reject);
    req.end(body);
  });
}

function verdictOf(status: number, write: boolean): { verdict: Verdict; explanation: string } {
  if (status >= 200 && status < 300) return { verdict: 'allowed', explanation: `${status}: the hub accepted the token, and its role allows this.` };
  if (write && status === 404) {
    return { verdict: 'allowed', explanation: '404: the hub accepted the token and its role allows this; the local hub has no handler for Karpor\'s write paths, hence Not Found.' };
  }
  if (status === 403) return { verdict: 'forbidden', explanation: '403 Forbidden: the token is valid, but its role does not allow this.' };
  if (status === 401) return { verdict: 'rejected', explanation: '401 Unauthorized: the hub does not accept the token (expired or revoked).' };
  return { verdict: 'unexpected', explanation: `${status}: not an answer this check expects.` };
}

/** Presents the token to the hub the way the Karpor dashboard would, and reports what it may do. */
export async function loginWithToken(server: string, token: string): Promise<LoginReport> {
  const report: LoginReport = { checks: [], summary: '' };
  for (const c of CHECKS) {
    const { status } = await call(server, token, c.method, c.path, c.body);
    report.checks.push({ what: c.what, method: c.method, path: c.path, status, ...verdictOf(status, c.write) });
  }
  const [read, write] = report.checks;
  if (read?.verdict === 'allowed') {
    const owner = tokenOwner(token);
    if (owner) report.username = owner.username;
  }
  if (read?.verdict === 'rejected') report.summary = 'The hub rejects this token: it has expired or was revoked.';
  else if (read?.verdict === 'allowed' && write?.verdict === 'allowed') report.summary = 'Logged in. This token may read and change Karpor settings (admin).';
  else if (read?.verdict === 'allowed' && write?.verdict === 'forbidden') report.summary = 'Logged in. This token may read, but not change anything (guest).';
  else report.summary = 'The hub answered unexpectedly; see the checks below.';
  return report;
}
