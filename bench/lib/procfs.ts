// Process figures from /proc (Linux): memory of the bot, CPU time of every process in the bench.
import * as fs from 'node:fs';
import * as path from 'node:path';

const CLK_TCK = 100; // USER_HZ; the same on every Linux architecture Node supports

function status(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

function kb(value: string | undefined): number {
  return value ? Number(value.split(/\s+/)[0]) : NaN;
}

export function rssKb(pid: number): number {
  return kb(status(pid).VmRSS);
}

export function peakRssKb(pid: number): number {
  return kb(status(pid).VmHWM);
}

/** Resets VmHWM to the current RSS (clear_refs "5"), so a later VmHWM is the peak of one phase. */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** User + system CPU seconds a process has used so far, and the system part of it. */
export function cpuSeconds(pid: number): { total: number; system: number } {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]) / CLK_TCK;
    const system = Number(fields[12]) / CLK_TCK;
    return { total: user + system, system };
  } catch {
    return { total: NaN, system: NaN };
  }
}

/** The kube-apiserver and etcd of a test hub, found by the hub's private directory in their command lines. */
export function hubPids(hubDir: string): { apiserver?: number; etcd?: number } {
  const found: { apiserver?: number; etcd?: number } = {};
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = fs.readFileSync(path.join('/proc', entry, 'comm'), 'utf8').trim();
      if (comm !== 'kube-apiserver' && comm !== 'etcd') continue;
      const cmdline = fs.readFileSync(path.join('/proc', entry, 'cmdline'), 'utf8');
      if (!cmdline.includes(hubDir)) continue;
      if (comm === 'kube-apiserver') found.apiserver = Number(entry);
      else found.etcd = Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Samples a process's RSS every `everyMs`; `stop()` gives the largest sample (kB). */
export function sampleRss(pid: number, everyMs = 20): { stop(): number } {
  let max = 0;
  const tick = () => {
    try {
      max = Math.max(max, rssKb(pid));
    } catch {
      // process gone
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return max;
    },
  };
}
