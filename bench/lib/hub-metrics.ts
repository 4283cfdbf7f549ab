// Hub requests as the hub itself counts them: apiserver_request_total from its /metrics.
import * as https from 'node:https';

export interface Series {
  labels: Record<string, string>;
  value: number;
}
export type Snapshot = Map<string, Series>;

function get(url: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

export function parseRequestTotals(text: string): Snapshot {
  const out: Snapshot = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const close = line.lastIndexOf('}');
    const key = line.slice(0, close + 1);
    const labels: Record<string, string> = {};
    for (const m of key.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    out.set(key, { labels, value: Number(line.slice(close + 1).trim()) });
  }
  return out;
}

export function scrape(server: string, adminToken: string): Promise<Snapshot> {
  return get(`${server}/metrics`, adminToken).then(parseRequestTotals);
}

/**
 * Requests nobody in the benchmark made: the apiserver's own loops (its identity lease, the
 * `kubernetes` endpoints reconciler, the OpenAPI aggregator) and the /metrics scrapes.
 */
export function isHubHousekeeping(l: Record<string, string>): boolean {
  if (l.group === 'coordination.k8s.io' && l.resource === 'leases') return true;
  if (l.group === '' && l.resource === 'endpoints') return true;
  if (l.resource === '' && /^(\/?metrics|\/?openapi)/.test(l.subresource ?? '')) return true;
  return false;
}

/** `POST serviceaccounts/token`, `GET clusterrolebindings`, … */
export function describe(l: Record<string, string>): string {
  const what = l.resource ? `${l.resource}${l.subresource ? `/${l.subresource}` : ''}` : l.subresource || '(non-resource)';
  return `${l.verb} ${what}`;
}

export interface HubDelta {
  /** Requests made by the benchmark's clients (bot, floor or kubectl), hub housekeeping excluded. */
  total: number;
  byRequest: Record<string, number>;
  /** Of `total`: lists and non-resource reads, which periodic work (housekeeping, probes) makes. */
  periodic: number;
  /** Answers with status >= 400 among those, by request and code. */
  failed: Record<string, number>;
  /** What the hub's own loops did meanwhile (for the record). */
  housekeeping: number;
}

export function delta(before: Snapshot, after: Snapshot): HubDelta {
  const out: HubDelta = { total: 0, periodic: 0, byRequest: {}, failed: {}, housekeeping: 0 };
  for (const [key, s] of after) {
    const d = s.value - (before.get(key)?.value ?? 0);
    if (d <= 0) continue;
    if (isHubHousekeeping(s.labels)) {
      out.housekeeping += d;
      continue;
    }
    const what = describe(s.labels);
    out.total += d;
    if (s.labels.verb === 'LIST' || s.labels.verb === 'WATCH' || s.labels.resource === '') out.periodic += d;
    out.byRequest[what] = (out.byRequest[what] ?? 0) + d;
    if (Number(s.labels.code) >= 400) out.failed[`${what} ${s.labels.code}`] = (out.failed[`${what} ${s.labels.code}`] ?? 0) + d;
  }
  return out;
}
