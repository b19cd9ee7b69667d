// The servers a test process starts (redis-server, varnishd, nginx): each is tracked with its temporary
// folder, and killed — with its children (varnishd's cache child, nginx's workers) — and cleaned up if
// the test process ends without stopping it, even on SIGINT/SIGTERM/SIGHUP.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';

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

/** A port that was free a moment ago: bind port 0 on loopback, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves true when the child exits within timeoutMs (at once if it already has). */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** One GET of `path` on 127.0.0.1:port; true when `accept` likes the response. */
export function httpReady(port: number, path: string, accept: (res: http.IncomingMessage) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 1_000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(accept(res)));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

export interface ForkingServer {
  port: number;
  /** The master's PID (varnishd's manager, nginx's master). */
  pid: number;
  stop(): Promise<void>;
}

/** Starts a server that forks children (varnishd, nginx) on a free port and waits until `ready` says
 *  yes. A port taken meanwhile (`retryOn` in its output) means another port; any other failure throws
 *  with the end of its output. stop(): SIGTERM, then SIGKILL, the children too, and the folder removed. */
export async function startForkingServer(o: {
  name: string;
  bin: string;
  dir: string;
  setup: string;
  args(port: number): string[];
  ready(port: number): Promise<boolean>;
  /** More output to show on failure (a log file). */
  log?: () => string;
  retryOn: RegExp;
  startTimeoutMs: number;
  stopTimeoutMs: number;
}): Promise<ForkingServer> {
  let lastLog = '';
  for (let attempt = 0; attempt < 6; attempt++) {
    const port = await freePort();
    const child = spawn(o.bin, o.args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
    const entry: Tracked = { child, dir: o.dir };
    track(entry);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + o.startTimeoutMs;
    let up = false;
    while (Date.now() < deadline) {
      const r = await Promise.race([spawnError.then((e) => ({ kind: 'error' as const, e })), exited.then(() => ({ kind: 'exited' as const })), o.ready(port).then((ok) => ({ kind: 'probe' as const, ok }))]);
      if (r.kind === 'error') {
        untrack(entry);
        rmSync(o.dir, { recursive: true, force: true });
        throw new Error(`could not start ${o.name}: ${r.e.message}; ${o.setup}`);
      }
      if (r.kind === 'exited') break;
      if (r.ok && child.exitCode === null) {
        up = true;
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    if (up) {
      const master = child.pid!;
      let stopped = false;
      return {
        port,
        pid: master,
        async stop() {
          if (stopped) return;
          stopped = true;
          const kids = childrenOf(master);
          killPid(master, 'SIGTERM'); // the master stops its children
          if (!(await waitExit(child, o.stopTimeoutMs))) killPid(master, 'SIGKILL');
          await waitExit(child, o.stopTimeoutMs);
          for (const k of kids) if (existsSync(`/proc/${k}`)) killPid(k, 'SIGKILL');
          untrack(entry);
          rmSync(o.dir, { recursive: true, force: true });
        },
      };
    }
    lastLog = `${out}\n${o.log?.() ?? ''}`;
    if (child.exitCode === null) {
      for (const k of childrenOf(child.pid!)) killPid(k, 'SIGKILL');
      child.kill('SIGKILL');
      await waitExit(child, o.stopTimeoutMs);
    }
    untrack(entry);
    if (!o.retryOn.test(lastLog)) break;
  }
  rmSync(o.dir, { recursive: true, force: true });
  throw new Error(`${o.name} exited or did not answer within ${o.startTimeoutMs} ms:\n${lastLog.trim().split('\n').slice(-15).join('\n')}`);
}
