// Summarises a V8 .cpuprofile: self time by package (or bot source file) and by function.
import * as fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of CLOCK_MONOTONIC in µs (process.hrtime.bigint() / 1000), the clock V8 stamps samples with. */
export interface Window {
  fromUs: number;
  toUs: number;
}

function owner(url: string): string {
  if (!url) return '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const dist = /\/dist\/(.*)$/.exec(url);
  if (dist) return `bot: ${dist[1]}`;
  return url;
}

export function summariseProfile(file: string, top = 15, window?: Window): { totalMs: number; idleMs: number; gcMs: number; byOwner: Array<[string, number]>; byFunction: Array<[string, number]> } {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  // Samples are counted, not their time deltas: a sample whose thread was descheduled (a busy
  // machine) would otherwise charge the waiting time to whatever was on the stack (often writev).
  const interval = median(p.timeDeltas) / 1000;
  const self = new Map<number, number>();
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    t += p.timeDeltas[i] ?? 0;
    if (window && (t < window.fromUs || t > window.toUs)) return;
    self.set(id, (self.get(id) ?? 0) + interval);
  });
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    totalMs += ms;
    const fn = n.callFrame.functionName;
    if (fn === '(idle)' || fn === '(program)') {
      if (fn === '(idle)') idleMs += ms;
      continue;
    }
    if (fn === '(garbage collector)') gcMs += ms;
    const o = fn.startsWith('(') ? fn : owner(n.callFrame.url);
    byOwner.set(o, (byOwner.get(o) ?? 0) + ms);
    const f = `${fn || '(anonymous)'} ${owner(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    byFunction.set(f, (byFunction.get(f) ?? 0) + ms);
  }
  const sort = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, Math.round(v)] as [string, number]);
  return { totalMs: Math.round(totalMs), idleMs: Math.round(idleMs), gcMs: Math.round(gcMs), byOwner: sort(byOwner), byFunction: sort(byFunction) };
}

function median(xs: number[]): number {
  const s = xs.filter((x) => x > 0).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 1000;
}
