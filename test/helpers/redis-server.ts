// Real, throwaway redis-server processes for integration tests: one standalone server, or a Redis Cluster
// of N masters, each on a free loopback port with its own temporary directory, no persistence, and kept
// by PID so that only what we started is ever stopped. Never touches the shared Redis on 6379.
// Throws (never skips) when redis-server or redis-cli is missing: `bash scripts/setup-services.sh`.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { freePort, track, untrack, waitExit, type Tracked as Live } from './processes.js';

export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:P, or redis://:pw@127.0.0.1:P with a password */
  url: string;
  /** PID of the current redis-server process (changes on restart) */
  pid: number;
  /** SIGTERM, wait for the exit, remove the temporary directory. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL, wait for the exit (a crash); the directory stays so that restart() works. */
  kill(): Promise<void>;
  /** Stops the server if it runs, then starts it again on the same port with the same arguments and no data. */
  restart(): Promise<void>;
}

export interface RedisClusterHandle {
  ports: number[];
  urls: string[];
  /** the first node's url */
  seedUrl: string;
  /** every master, to kill or restart one */
  nodes: RedisServer[];
  stop(): Promise<void>;
}

export type RedisCommandLine = Array<string | Buffer | number>;

const HOST = '127.0.0.1';
const SETUP = 'install it with `bash scripts/setup-services.sh` (Debian package redis-server)';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

// ---- small pieces ---------------------------------------------------------------------------------------
export { freePort };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function encode(args: RedisCommandLine): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one simple, error, integer or bulk reply at `at`; undefined when incomplete. */
function parseReply(buf: Buffer, at: number): { value: string | number | null | Error; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const head = buf.toString('utf8', at + 1, eol);
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return { value: head, end: eol + 2 };
    case '-':
      return { value: new Error(head), end: eol + 2 };
    case ':':
      return { value: Number(head), end: eol + 2 };
    case '$': {
      const n = Number(head);
      if (n < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return undefined;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 4 + n };
    }
    default:
      return { value: new Error(`unexpected reply type ${JSON.stringify(buf.toString('utf8', at, at + 20))}`), end: buf.length };
  }
}

/**
 * Sends commands over a raw socket (RESP2) and returns one reply per command (errors as Error values).
 * Rejects when the server is unreachable or slower than timeoutMs.
 */
export function rawCommands(port: number, commands: RedisCommandLine[], timeoutMs = 2_000): Promise<Array<string | number | null | Error>> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect({ host: HOST, port });
    let buf = Buffer.alloc(0);
    const replies: Array<string | number | null | Error> = [];
    const done = (err?: Error) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    const timer = setTimeout(() => done(new Error(`no reply from ${HOST}:${port} within ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => sock.write(Buffer.concat(commands.map(encode))));
    sock.on('error', (e) => done(e));
    sock.on('close', () => done(new Error(`${HOST}:${port} closed the connection after ${replies.length} of ${commands.length} replies`)));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      let at = 0;
      for (let r = parseReply(buf, at); r; r = parseReply(buf, at)) {
        replies.push(r.value);
        at = r.end;
        if (replies.length === commands.length) return done();
      }
      buf = buf.subarray(at);
    });
  });
}

function logTail(dir: string, lines = 15): string {
  try {
    return readFileSync(path.join(dir, 'redis.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}


// ---- one server -----------------------------------------------------------------------------------------
interface LaunchSpec {
  /** extra arguments, given the port and the server's directory */
  args: (port: number, dir: string) => string[];
  password?: string;
}

/** Spawns redis-server on `port` in `dir` and waits for PING; 'busy' when the port was taken. */
async function spawnOn(spec: LaunchSpec, port: number, dir: string): Promise<ChildProcess | 'busy'> {
  const argv = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', path.join(dir, 'redis.log'), '--daemonize', 'no', ...spec.args(port, dir)];
  if (spec.password !== undefined) argv.push('--requirepass', spec.password);
  const child = spawn('redis-server', argv, { stdio: 'ignore' });
  const entry: Live = { child, dir };
  track(entry);
  child.once('exit', () => untrack(entry));
  child.once('error', () => untrack(entry));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const ping: RedisCommandLine[] = spec.password !== undefined ? [['AUTH', spec.password], ['PING']] : [['PING']];
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    const outcome = await Promise.race([
      spawnError.then((e) => ({ kind: 'spawn-error' as const, e })),
      exited.then(() => ({ kind: 'exited' as const })),
      rawCommands(port, ping, 1_000).then(
        (r) => ({ kind: 'reply' as const, r }),
        (e: Error) => ({ kind: 'down' as const, e }),
      ),
    ]);
    if (outcome.kind === 'spawn-error') {
      const code = (outcome.e as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `redis-server is not on PATH: ${SETUP}` : `could not start redis-server: ${outcome.e.message}`);
    }
    if (outcome.kind === 'exited') {
      const tail = logTail(dir);
      if (/Address already in use/i.test(tail)) return 'busy';
      throw new Error(`redis-server on port ${port} exited (code ${child.exitCode}, signal ${child.signalCode}) before answering PING:\n${tail}`);
    }
    if (outcome.kind === 'reply' && outcome.r.at(-1) === 'PONG') {
      // a PONG from a process that is not ours (port taken between our check and its bind) would mean our child exits
      if (child.exitCode === null && child.signalCode === null) return child;
    }
    last = outcome.kind === 'reply' ? String(outcome.r.at(-1)) : outcome.e.message;
    await sleep(25);
  }
  child.kill('SIGKILL');
  await waitExit(child, STOP_TIMEOUT_MS);
  throw new Error(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms (last: ${last}):\n${logTail(dir)}`);
}

async function launch(spec: LaunchSpec): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'perfkit-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  try {
    for (let attempt = 0; attempt < 8 && !child; attempt++) {
      port = await freePort();
      const c = await spawnOn(spec, port, dir);
      if (c !== 'busy') child = c;
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('no free loopback port for redis-server after 8 attempts');
  }

  let stopped = false;
  const pw = spec.password;
  const url = pw !== undefined ? `redis://:${encodeURIComponent(pw)}@${HOST}:${port}` : `redis://${HOST}:${port}`;

  const terminate = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const c = child!;
    if (c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    if (!(await waitExit(c, STOP_TIMEOUT_MS))) {
      c.kill('SIGKILL');
      if (!(await waitExit(c, STOP_TIMEOUT_MS))) throw new Error(`redis-server pid ${c.pid} did not exit`);
    }
  };

  const server: RedisServer = {
    port,
    url,
    pid: child.pid!,
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    async kill() {
      if (stopped) return;
      await terminate('SIGKILL');
    },
    async restart() {
      if (stopped) throw new Error('restart() after stop()');
      await terminate('SIGTERM');
      // no data survives: drop whatever the old process left (an RDB if the caller's args enabled saving)
      for (const f of readdirSync(dir)) if (f !== 'redis.log') rmSync(path.join(dir, f), { recursive: true, force: true });
      // the port may take a moment to be released; keep it, as callers hold the url
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        const c = await spawnOn(spec, port, dir);
        if (c !== 'busy') {
          child = c;
          server.pid = c.pid!;
          return;
        }
        if (Date.now() > deadline) throw new Error(`port ${port} stayed busy; redis-server could not restart on it`);
        await sleep(100);
      }
    },
  };
  return server;
}

/**
 * Starts a standalone redis-server on a free loopback port (no RDB, no AOF) and waits until it answers PING.
 * `args` are appended to the command line, e.g. ['--maxmemory-policy', 'allkeys-lfu'].
 */
export function startRedis(opts: { args?: string[]; password?: string } = {}): Promise<RedisServer> {
  const extra = opts.args ?? [];
  return launch({ args: () => extra, password: opts.password });
}

/** Starts `masters` (≥ 3) cluster-enabled servers, joins them with redis-cli --cluster create, waits for cluster_state:ok on all. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  if (!Number.isInteger(masters) || masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const started = await Promise.allSettled(
    Array.from({ length: masters }, () =>
      launch({ args: (port, dir) => ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000'] }),
    ),
  );
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        'redis-cli',
        ['--cluster', 'create', ...nodes.map((n) => `${HOST}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
        { timeout: 30_000, maxBuffer: 4 << 20 },
        (err, stdout, stderr) => {
          if (!err) return resolve();
          const code = (err as NodeJS.ErrnoException).code;
          reject(new Error(code === 'ENOENT' ? `redis-cli is not on PATH: ${SETUP}` : `redis-cli --cluster create failed: ${err.message}\n${stdout}\n${stderr}`));
        },
      );
    });
    const deadline = Date.now() + 20_000;
    let states: string[] = [];
    for (;;) {
      states = await Promise.all(
        nodes.map(async (n) => {
          const [info] = await rawCommands(n.port, [['CLUSTER', 'INFO']]).catch((e: Error) => [e]);
          return typeof info === 'string' ? info : String(info);
        }),
      );
      const ok = states.every(
        (s) => /cluster_state:ok/.test(s) && /cluster_slots_ok:16384/.test(s) && new RegExp(`cluster_known_nodes:${masters}\\b`).test(s),
      );
      if (ok) break;
      if (Date.now() > deadline) {
        throw new Error(`the cluster did not reach cluster_state:ok within 20 s:\n${nodes.map((n, i) => `${n.port}: ${states[i]!.split('\r\n').slice(0, 6).join(' ')}`).join('\n')}`);
      }
      await sleep(200);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const urls = nodes.map((n) => n.url);
  return { ports: nodes.map((n) => n.port), urls, seedUrl: urls[0]!, nodes, stop };
}

// ---- seeding --------------------------------------------------------------------------------------------
const CHUNK = 5_000;

function firstError(results: Array<[Error | null, unknown]> | null): Error | undefined {
  return results?.find(([err]) => err)?.[0] ?? undefined;
}

/** Sends `commands` to a standalone server in pipelines of 5,000, throwing on the first error reply. */
export async function seedRedis(url: string, commands: RedisCommandLine[]): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    for (let i = 0; i < commands.length; i += CHUNK) {
      const p = client.pipeline();
      for (const [cmd, ...args] of commands.slice(i, i + CHUNK)) p.call(String(cmd), ...args);
      const err = firstError((await p.exec()) as Array<[Error | null, unknown]> | null);
      if (err) throw new Error(`seedRedis: ${err.message}`);
    }
  } finally {
    await client.quit().catch(() => client.disconnect());
  }
}

/** Sends `commands` through an ioredis Cluster client (each routed by its key), 1,000 at a time in parallel. */
export async function seedCluster(handle: RedisClusterHandle, commands: RedisCommandLine[]): Promise<void> {
  const cluster = new Cluster([{ host: HOST, port: handle.ports[0]! }], { enableOfflineQueue: true, clusterRetryStrategy: () => null });
  cluster.on('error', () => {});
  try {
    for (let i = 0; i < commands.length; i += 1_000) {
      await Promise.all(commands.slice(i, i + 1_000).map(([cmd, ...args]) => cluster.call(String(cmd), ...args)));
    }
  } finally {
    await cluster.quit().catch(() => cluster.disconnect());
  }
}
