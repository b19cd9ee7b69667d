// The servers a test process starts (redis-server, varnishd, nginx): each is tracked with its temporary
// folder, and killed — with its children (varnishd's cache child, nginx's workers) — and cleaned up if
// the test process ends without stopping it, even on SIGINT/SIGTERM/SIGHUP.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

export interface Tracked {
  child: ChildProcess;
  dir: string;
}

const live = new Set<Tracked>();
let hooksInstalled = false;

/** PIDs whose parent is `pid`, read from /proc. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function killAllNow(): void {
  for (const t of live) {
    const pid = t.child.pid;
    if (pid && t.child.exitCode === null && t.child.signalCode === null) {
      // Children first: nginx workers outlive a SIGKILLed master.
      for (const c of childrenOf(pid)) killPid(c, 'SIGKILL');
      killPid(pid, 'SIGKILL');
    }
    rmSync(t.dir, { recursive: true, force: true });
  }
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  // A signal's default action skips 'exit': clean up, then re-raise it unless someone else handles it.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllNow();
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

export function track(t: Tracked): void {
  installExitHooks();
  live.add(t);
}

export function untrack(t: Tracked): void {
  live.delete(t);
}
