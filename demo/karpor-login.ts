// "Log in to Karpor with this token": what the hub says to a token, checked server-side.
//
// The playground's hub is a plain kube-apiserver seeded with Karpor's ClusterRoles. It
// authenticates a token and authorizes a path exactly as Karpor's server does, but it has no
// Karpor handlers behind them: a request that is let through ends in 404 Not Found. So:
// 404 (or any 2xx) = allowed, 403 = forbidden for this role, 401 = token not accepted.
import * as https from 'node:https';

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
  /** Who the hub says the token belongs to (a ServiceAccount), when it accepts the token. */
  username?: string;
  groups?: string[];
  checks: Check[];
  summary: string;
}

const CHECKS = [
  { what: 'Log in (read)', method: 'GET', path: '/rest-api/v1/authn' },
  { what: 'Register a cluster (write)', method: 'POST', path: '/rest-api/v1/cluster/demo', body: '{"description":"playground"}' },
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

function verdictOf(status: number): { verdict: Verdict; explanation: string } {
  if (status === 404 || (status >= 200 && status < 300)) {
    return { verdict: 'allowed', explanation: `${status}: the hub accepted the token and the role allows this; a plain API server has no Karpor handler here, hence ${status === 404 ? 'Not Found' : 'the answer'}.` };
  }
  if (status === 403) return { verdict: 'forbidden', explanation: '403 Forbidden: the token is valid, but its role does not allow this.' };
  if (status === 401) return { verdict: 'rejected', explanation: '401 Unauthorized: the hub does not accept the token (expired or revoked).' };
  return { verdict: 'unexpected', explanation: `${status}: not an answer this check expects.` };
}

/** Presents the token to the hub the way the Karpor dashboard would, and reports what it may do. */
export async function loginWithToken(server: string, token: string): Promise<LoginReport> {
  const report: LoginReport = { checks: [], summary: '' };
  const review = await call(server, token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
  if (review.status === 201 || review.status === 200) {
    try {
      const info = (JSON.parse(review.text) as { status?: { userInfo?: { username?: string; groups?: string[] } } }).status?.userInfo;
      if (info?.username) report.username = info.username;
      if (info?.groups) report.groups = info.groups;
    } catch {
      // Only the checks below matter for the verdict.
    }
  }
  for (const c of CHECKS) {
    const { status } = await call(server, token, c.method, c.path, c.body);
    report.checks.push({ what: c.what, method: c.method, path: c.path, status, ...verdictOf(status) });
  }
  const [read, write] = report.checks;
  if (read?.verdict === 'rejected') report.summary = 'The hub rejects this token: it has expired or was revoked.';
  else if (read?.verdict === 'allowed' && write?.verdict === 'allowed') report.summary = 'Logged in. This token may read and change Karpor settings (admin).';
  else if (read?.verdict === 'allowed' && write?.verdict === 'forbidden') report.summary = 'Logged in. This token may read, but not change anything (guest).';
  else report.summary = 'The hub answered unexpectedly; see the checks below.';
  return report;
}
