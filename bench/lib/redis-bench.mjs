// Shared parts of the Redis benchmarks (bench/cache-inspect.mjs, bench/cache-warm.mjs): command-line
// options, a throwaway redis-server 7 (own free loopback port, never 6379, no persistence) that is always
// stopped by its PID, CPU pinning with taskset, a small raw RESP client, a seeded PRNG, and a runner that
// times a command under /usr/bin/time (CPU time and peak RSS of the tool) while reading the CPU time of
// redis-server and of the rest of the machine from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** `--name value` options and `--flag` switches of argv. */
export function cliArgs(args = process.argv.slice(2)) {
  return {
    args,
    opt: (name, fallback) => {
      const i = args.indexOf(name);
      return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
    },
    has: (name) => args.includes(name),
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Whether taskset can pin (two or more CPUs and util-linux's taskset). */
export const canPin = () => os.cpus().length >= 2 && spawnSync('taskset', ['--version']).status === 0;

/**
 * --pin S,T: redis-server on CPU S, the measured tool on CPU T; 'none': the scheduler decides. Returns
 * [S, T] or undefined, or an error message.
 */
export function parsePin(pinArg) {
  if (pinArg === 'none') return { pin: undefined };
  const pin = String(pinArg).split(',').map(Number);
  if (pin.length !== 2 || !pin.every((c) => Number.isInteger(c) && c >= 0 && c < os.cpus().length)) return { error: `--pin needs two CPU numbers below ${os.cpus().length}, as in --pin 0,1, or none` };
  if (spawnSync('taskset', ['--version']).status !== 0) return { error: '--pin needs taskset (util-linux)' };
  return { pin };
}

/** The tools that are not on PATH, of those named. */
export const missingTools = (tools) => tools.filter((t) => spawnSync(t, ['--version'], { encoding: 'utf8' }).status !== 0);

export const redisVersion = () => spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout?.match(/v=(\S+)/)?.[1] ?? '?';

export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** One command as RESP2 (a JS string; write it as UTF-8, or latin1 when every argument is ASCII). */
export function resp(cmd) {
  let s = `*${cmd.length}\r\n`;
  for (const a of cmd) {
    const v = String(a);
    s += `$${Buffer.byteLength(v)}\r\n${v}\r\n`;
  }
  return s;
}

/** One simple, error, integer or bulk reply at `at` (enough for PING, DBSIZE, INFO, GET, PTTL, MEMORY USAGE, TYPE). */
export function parseReply(buf, at) {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const head = buf.toString('utf8', at + 1, eol);
  const t = String.fromCharCode(buf[at]);
  if (t === '+') return { value: head, end: eol + 2 };
  if (t === '-') return { value: new Error(head), end: eol + 2 };
  if (t === ':') return { value: Number(head), end: eol + 2 };
  if (t === '$') {
    const n = Number(head);
    if (n < 0) return { value: null, end: eol + 2 };
    if (buf.length < eol + 4 + n) return undefined;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 4 + n };
  }
  return { value: new Error(`unexpected reply ${JSON.stringify(buf.toString('utf8', at, at + 20))}`), end: buf.length };
}

/** Sends commands on one raw socket; resolves with one reply each. */
export function commands(port, cmds, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const replies = [];
    const done = (err) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    const timer = setTimeout(() => done(new Error(`no reply from 127.0.0.1:${port} within ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => sock.write(cmds.map(resp).join('')));
    sock.on('error', done);
    sock.on('close', () => done(new Error(`127.0.0.1:${port} closed the connection`)));
    sock.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      let at = 0;
      for (let r = parseReply(buf, at); r; r = parseReply(buf, at)) {
        replies.push(r.value);
        at = r.end;
        if (replies.length === cmds.length) return done();
      }
      buf = buf.subarray(at);
    });
  });
}

/** mulberry32: a small seeded PRNG, [0, 1). Its state is 32 bits: derive unique ids from a counter, not from it. */
export function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const TICK = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

/** CPU seconds (user + system) a process has used so far. */
export function processCpuS(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return NaN;
  }
}

/** Busy CPU seconds of the whole machine so far (all CPUs; steal counts as busy: the host ran something else). */
export function machineBusyS() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + steal) / TICK;
}

/**
 * One benchmark's throwaway redis-server and the processes it runs. `name` prefixes its messages
 * ("bench/<name>: …"); `pin` is [serverCpu, toolCpu] or undefined; `asJson` sends progress to stderr.
 * Installs 'exit' and signal handlers that stop only the PIDs it started and remove its temp dir.
 */
export function redisBench({ name, pin, asJson = false }) {
  const pinned = (cpu, argv) => (pin ? ['taskset', '-c', String(cpu), ...argv] : argv); // taskset execs: the PID stays the command's
  const say = (line) => (asJson ? process.stderr : process.stdout).write(`${line}\n`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), `perfkit-bench-${name}-`));
  let server; // { child, port }
  const helpers = new Set(); // processes we spawned that still run
  const track = (child) => {
    helpers.add(child);
    child.once('exit', () => helpers.delete(child));
    return child;
  };
  const serverAlive = () => Boolean(server) && server.child.exitCode === null && server.child.signalCode === null;
  let interrupted = false;

  async function stopServer() {
    if (!serverAlive()) return;
    const { child } = server;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    if (await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)])) return;
    child.kill('SIGKILL');
    await exited;
  }

  /** Exits with `code` before the server runs (the 'exit' handler SIGKILLs it if it does). */
  const fail = (code, msg) => {
    console.error(`bench/${name}: ${msg}`);
    process.exit(code);
  };
  /** Like fail, once the server runs: stop it (SIGTERM, wait) first. */
  const abort = async (code, msg) => {
    if (interrupted) return new Promise(() => {}); // the signal handler is stopping everything and exits
    console.error(`bench/${name}: ${msg}`);
    await stopServer().catch(() => {});
    process.exit(code);
  };

  process.on('exit', () => {
    // last resort (fail() or a crash): SIGKILL only the PIDs we started
    for (const p of [...helpers, ...(serverAlive() ? [server.child] : [])]) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\nbench/${name}: ${sig}, stopping redis-server (pid ${server?.child.pid ?? '-'})`);
      for (const c of helpers) c.kill('SIGTERM');
      await stopServer().catch(() => {});
      process.exit(130);
    });
  }

  /** Starts redis-server on a free loopback port (pinned to pin[0]) and waits for PING. */
  async function startServer() {
    const log = path.join(tmp, 'redis.log');
    for (let attempt = 0; attempt < 8; attempt++) {
      const port = await freePort();
      if (port === 6379) continue;
      const [cmd0, ...rest] = pinned(pin?.[0], ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp, '--logfile', log, '--daemonize', 'no']);
      const child = spawn(cmd0, rest, { stdio: 'ignore' });
      server = { child, port };
      const deadline = Date.now() + 15_000;
      while (serverAlive() && Date.now() < deadline) {
        const up = await commands(port, [['PING']], 1_000).then((r) => r[0] === 'PONG', () => false);
        if (up && serverAlive()) return server;
        await sleep(25);
      }
      const tail = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').slice(-10).join('\n') : '';
      if (serverAlive()) {
        server.child.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} did not answer PING within 15 s\n${tail}`);
      }
      if (!/Address already in use/.test(tail)) throw new Error(`redis-server on port ${port} exited (${child.exitCode ?? child.signalCode})\n${tail}`);
    }
    throw new Error('no free loopback port for redis-server after 8 attempts');
  }

  const serverCpuS = () => (server ? processCpuS(server.child.pid) : NaN);

  let seq = 0;
  /**
   * Runs argv on the tool CPU (under /usr/bin/time when there is one, for its CPU time and peak RSS) and
   * times it. `stdin`: a file to read standard input from. Resolves with wall time, stdout, the tool's
   * CPU s and peak RSS, redis-server's CPU s and the rest of the machine's CPU s meanwhile.
   */
  function run(argv, { okCodes = [0], stdin } = {}) {
    const timeFile = path.join(tmp, `time-${++seq}`);
    const full = pinned(pin?.[1], TIME ? [TIME, '-f', '%U %S %M', '-o', timeFile, ...argv] : argv);
    return new Promise((resolve, reject) => {
      const inFd = stdin ? openSync(stdin, 'r') : undefined;
      const cpu0 = serverCpuS();
      const busy0 = machineBusyS();
      const t0 = performance.now();
      const child = track(spawn(full[0], full.slice(1), { stdio: [inFd ?? 'ignore', 'pipe', 'pipe'] }));
      if (inFd !== undefined) closeSync(inFd); // the child has its own copy
      const out = [];
      let err = '';
      child.stdout.on('data', (d) => out.push(d));
      child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        const wallS = (performance.now() - t0) / 1000;
        const serverCpu = serverCpuS() - cpu0;
        const busy = machineBusyS() - busy0;
        const stdout = Buffer.concat(out).toString('utf8');
        const tv = TIME && existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number) : [];
        const cpuS = tv.length === 3 ? tv[0] + tv[1] : NaN;
        // what the rest of the machine used meanwhile (other processes, or the host through steal time)
        const otherCpuS = Math.max(0, busy - serverCpu - (Number.isNaN(cpuS) ? 0 : cpuS));
        if (!okCodes.includes(code)) reject(new Error(`${argv.join(' ')} exited ${code ?? signal}\n${(err || stdout).trim().split('\n').slice(-15).join('\n')}`));
        else resolve({ wallS, stdout, stderr: err, code, cpuS, peakRssMb: tv.length === 3 ? tv[2] / 1024 : NaN, serverCpuS: serverCpu, otherCpuS });
      });
    });
  }

  return {
    tmp,
    say,
    fail,
    abort,
    track,
    pinned,
    startServer,
    stopServer,
    run,
    serverCpuS,
    get server() {
      return server;
    },
    get interrupted() {
      return interrupted;
    },
  };
}
