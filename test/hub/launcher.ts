// Stops a foreground tool when whoever launched it is gone. npm runs a script as
// `sh -c "tsx …"`, and tsx runs the file in a child node; a SIGTERM sent to npm alone kills that
// sh and npm exits, leaving tsx and this process running with nobody to stop them (and the hub
// they started). So: stop when this process or its parent gets re-parented.
import * as fs from 'node:fs';

function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export function onLauncherGone(cb: () => void): void {
  const watched = [process.pid, process.ppid].map((pid) => ({ pid, parent: parentOf(pid) }));
  if (watched.some((w) => w.parent === undefined)) return; // no /proc
  setInterval(() => {
    if (watched.some((w) => parentOf(w.pid) !== w.parent)) cb();
  }, 1000).unref();
}
