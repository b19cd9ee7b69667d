#!/usr/bin/env node
// Cache-inspect benchmark: a throwaway redis-server 7.0 (own free loopback port, never 6379, no persistence)
// loaded through `redis-cli --pipe` with 1,000,000 keys of mixed types made from a seeded PRNG (≈ 60 %
// strings of 10 B–5 KB with a few of 100 KB–1 MB, 15 % hashes of 2–200 fields, 10 % lists, 8 % sets, 7 %
// sorted sets; user:<id>:profile, session:<uuid>, product:<id>, cart:<id>:items, feed:<id>, …; about a
// third with a TTL of 1 h–30 d, so none expires during the run) plus 20 clearly big keys of every type,
// so that the top 10 is known in advance. Then `perfkit cache inspect --format json --top 10` and its
// anchor `redis-cli --memkeys` (full SCAN + TYPE + MEMORY USAGE) both scan it, twice each in alternating
// order (--runs), in the same run, redis-server and the tool pinned to different CPUs (--pin); the best wall
// time of each counts. The CPU time of the tool, of redis-server and of everything else on the machine is
// shown for each best run; a run during which other work used > 20 % of a core is flagged as unreliable.
// Prints both wall times and their ratio (perfkit / redis-cli: < 1 means perfkit is faster), the biggest
// key per type from each (redis-cli 7.0 --memkeys prints only the biggest key of each type), whether
// perfkit's top 10 agrees with that as far as redis-cli can tell and with the seeded big keys, and the
// number of keys each counted. Exits 1 when perfkit is slower than redis-cli, when the biggest keys or the
// key counts disagree; 2 on bad arguments or a missing build; 3 when a tool fails.
//
// Needs a build first (and redis-server, redis-cli 7 on PATH):
//   npm run build && node bench/cache-inspect.mjs [--keys 1000000] [--seed 1] [--runs 2] [--pin 0,1|none] [--only redis-cli] [--bin FILE] [--json]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canPin, cliArgs, commands, missingTools, mulberry32, parsePin, redisBench, redisVersion as serverVersion, resp } from './lib/redis-bench.mjs';
import { pad, lpad } from './lib/common.mjs';

const { opt, has } = cliArgs();
const totalKeys = Number(opt('--keys', 1_000_000));
const seed = Number(opt('--seed', 1));
const runsEach = Number(opt('--runs', 2));
// --pin S,T: redis-server on CPU S, the measured tool on CPU T (taskset). Default 0,1 with two or more CPUs:
// redis-cli --memkeys is bound by round trips (SCAN without COUNT, so 10 keys a page, then a pipelined TYPE
// and a pipelined MEMORY USAGE per page) and runs ≈ 5× faster when the scheduler happens to put it on the
// server's CPU (no cross-CPU wake-up per round trip), which it does more often on a busy machine. Separate
// CPUs give every run the same placement, and are what a client on another host sees. --pin none: scheduler.
const pinArg = opt('--pin', canPin() ? '0,1' : 'none');
const cliOnly = opt('--only') === 'redis-cli';
const asJson = has('--json');

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.resolve(opt('--bin', path.join(root, 'bin/perfkit.js'))); // another build's bin/perfkit.js
const fail = (code, msg) => {
  console.error(`bench/cache-inspect: ${msg}`);
  process.exit(code); // once the bench below exists, its 'exit' handler SIGKILLs the server if it still runs
};

if (!Number.isInteger(totalKeys) || totalKeys < 1000) fail(2, '--keys needs an integer ≥ 1000');
if (!Number.isInteger(seed)) fail(2, '--seed needs an integer');
if (!Number.isInteger(runsEach) || runsEach < 1) fail(2, '--runs needs a positive integer');
const pinParsed = parsePin(pinArg);
if (pinParsed.error) fail(2, pinParsed.error);
const pin = pinParsed.pin;
for (const tool of missingTools(['redis-server', 'redis-cli'])) fail(2, `${tool} is not on PATH (apt-get install redis-server)`);
if (!cliOnly) {
  if (!existsSync(bin)) fail(2, `${bin} is missing`);
  if (!opt('--bin') && !existsSync(path.join(root, 'dist/cli/main.js'))) fail(2, 'dist/ is missing; run `npm run build` first (or pass --only redis-cli)');
  const help = spawnSync(process.execPath, [bin, 'cache', 'inspect', '--help'], { encoding: 'utf8' });
  if (help.status !== 0 || !/--top\b/.test(help.stdout) || !/--redis\b/.test(help.stdout)) {
    const first = (help.stderr || help.stdout).trim().split('\n')[0] ?? '';
    fail(2, `\`perfkit cache inspect --help\` did not show the command's --redis and --top options (exit ${help.status}, first line: ${JSON.stringify(first)}): the command is not built yet; run \`npm run build\` (or pass --only redis-cli)`);
  }
}

// ---- the throwaway server (bench/lib/redis-bench.mjs: own port, stopped by its PID, temp dir removed) ----
const bench = redisBench({ name: 'cache-inspect', pin, asJson });
const { say, abort, track, run, startServer, stopServer } = bench;

// ---- the data set -----------------------------------------------------------------------------------
const rand = mulberry32(seed);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const POOL_LEN = 1 << 21;
const POOL = (() => {
  let s = '';
  const parts = [];
  for (let i = 0; i < POOL_LEN; i++) {
    s += ALNUM[Math.floor(rand() * 62)];
    if (s.length === 65_536) {
      parts.push(s);
      s = '';
    }
  }
  return parts.join('') + s;
})();
/** ASCII text of exactly n characters (a slice of the pool, repeated when longer). */
const text = (n) => {
  if (n <= POOL_LEN) {
    const off = Math.floor(rand() * (POOL_LEN - n + 1));
    return POOL.slice(off, off + n);
  }
  return POOL.repeat(Math.ceil(n / POOL_LEN)).slice(0, n);
};
const hex = (n) => Math.floor(rand() * 16 ** n).toString(16).padStart(n, '0');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(0, 3)]}${hex(3)}-${hex(6)}${hex(6)}`;
const skewed = (lo, hi, power) => lo + Math.floor((hi - lo + 1) * rand() ** power); // most near lo

function stringSize() {
  const r = rand();
  if (r < 0.00005) return int(100 * 1024, 1024 * 1024); // a few of 100 KB–1 MB (≈ 30 in 1M keys)
  if (r < 0.7) return int(10, 100);
  if (r < 0.95) return int(100, 1000);
  return int(1000, 5 * 1024);
}
const ttl = (loS, hiS) => int(loS, hiS);
const H = 3600;
const D = 24 * H;

/**
 * The 20 big keys, every type, each far above anything random (≥ 2 MB; random keys stay ≤ ≈ 1.1 MB) and
 * ≥ 10 % apart, with even element sizes so that MEMORY USAGE's sampling estimates them well. The biggest
 * key of each type is in the top 10.
 */
const MiB = 1 << 20;
const BIG = [
  { key: 'product:catalog:export', type: 'string', n: 28 * MiB - 1024 }, // ≈ 29.4 MB (jemalloc size class 28 MiB)
  { key: 'user:index:by-email', type: 'hash', n: 200_000, el: 24 }, // ≈ 22.9 MB
  { key: 'leaderboard:global', type: 'zset', n: 130_000, el: 16 }, // ≈ 16.7 MB
  { key: 'feed:global', type: 'list', n: 150_000, el: 90 }, // ≈ 14.5 MB
  { key: 'product:skus:all', type: 'set', n: 170_000, el: 14 }, // ≈ 12.5 MB
  { key: 'cache:page:home', type: 'string', n: 10 * MiB - 1024 }, // ≈ 10.5 MB
  { key: 'product:prices', type: 'hash', n: 68_000, el: 20 }, // ≈ 8.5 MB
  { key: 'leaderboard:weekly', type: 'zset', n: 52_000, el: 16 }, // ≈ 7 MB
  { key: 'feed:trending', type: 'list', n: 62_000, el: 90 }, // ≈ 5.9 MB
  { key: 'cache:page:search', type: 'string', n: 5 * MiB - 1024 }, // ≈ 5.2 MB: the 10th
  { key: 'user:online', type: 'set', n: 58_000, el: 14 }, // ≈ 4.3 MB: the 11th
  { key: 'cart:abandoned:all', type: 'hash', n: 32_000, el: 20 },
  { key: 'cache:report:daily', type: 'string', n: 3 * MiB - 1024 },
  { key: 'leaderboard:daily', type: 'zset', n: 20_000, el: 16 },
  { key: 'queue:jobs:dead', type: 'list', n: 9_000, el: 300 },
  { key: 'cache:page:sitemap', type: 'string', n: 2 * MiB - 1024 },
  { key: 'tags:all', type: 'set', n: 22_000, el: 14 },
  { key: 'session:registry', type: 'hash', n: 14_000, el: 20 },
  { key: 'feed:editorial', type: 'list', n: 12_000, el: 90 },
  { key: 'user:banned', type: 'set', n: 12_000, el: 14 },
];

/** Streams RESP into `redis-cli --pipe`, respecting backpressure; resolves with its replies and errors. */
async function load(port, keys) {
  const child = track(spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.stdin.on('error', () => {}); // EPIPE when redis-cli dies; reported from its exit below
  const closed = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  let pending = [];
  let pendingLen = 0;
  let sent = 0;
  const flush = async () => {
    if (!pending.length) return;
    const chunk = pending.join('');
    pending = [];
    pendingLen = 0;
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-cli --pipe ended early (${child.exitCode ?? child.signalCode}):\n${out.trim()}`);
    if (!child.stdin.write(chunk, 'latin1')) {
      await new Promise((r) => {
        const go = () => {
          child.stdin.off('drain', go);
          child.off('close', go);
          r();
        };
        child.stdin.once('drain', go);
        child.once('close', go);
      });
    }
  };
  const cmd = async (...a) => {
    const s = resp(a);
    pending.push(s);
    pendingLen += s.length;
    sent++;
    if (pendingLen >= 1 << 20) await flush();
  };
  /** One command name + key + many arguments, split into commands of at most `per` arguments. */
  const many = async (name, key, items, per = 2_000) => {
    for (let i = 0; i < items.length; i += per) await cmd(name, key, ...items.slice(i, i + per));
  };

  // the big keys first (their elements depend only on the seed)
  for (const b of BIG) {
    if (b.type === 'string') {
      await cmd('SET', b.key, text(b.n));
      continue;
    }
    const items = [];
    for (let j = 0; j < b.n; j++) {
      const member = `${b.key.split(':')[0]}:${j}:${text(b.el)}`;
      if (b.type === 'hash') items.push(member, text(b.el));
      else if (b.type === 'zset') items.push(int(0, 1e6), member);
      else if (b.type === 'list') items.push(text(b.el));
      else items.push(member);
    }
    await many({ hash: 'HSET', zset: 'ZADD', list: 'RPUSH', set: 'SADD' }[b.type], b.key, items);
  }

  for (let i = 0; i < keys - BIG.length; i++) {
    const r = rand();
    const s = rand();
    if (r < 0.6) {
      // strings
      if (s < 0.42) {
        const k = `user:${i}:profile`;
        if (rand() < 0.1) await cmd('SET', k, text(stringSize()), 'EX', ttl(D, 7 * D));
        else await cmd('SET', k, text(stringSize()));
      } else if (s < 0.75) await cmd('SET', `session:${uuid()}`, text(stringSize()), 'EX', ttl(H, D));
      else if (s < 0.92) await cmd('SET', `product:${i}`, text(stringSize()));
      else await cmd('SET', `cache:page:${i}`, text(stringSize()), 'EX', ttl(H, 7 * D));
    } else if (r < 0.75) {
      // hashes of 2–200 fields
      const n = skewed(2, 200, 4);
      const items = [];
      if (s < 0.5) {
        for (let j = 0; j < n; j++) items.push(`sku:${int(1, 999_999)}:${j}`, int(1, 9));
        const k = `cart:${i}:items`;
        await many('HSET', k, items);
        await cmd('EXPIRE', k, ttl(D, 30 * D));
      } else {
        for (let j = 0; j < n; j++) items.push(`attr${j}`, text(int(4, 60)));
        await many('HSET', s < 0.8 ? `product:${i}:attrs` : `user:${i}:settings`, items);
      }
    } else if (r < 0.85) {
      // lists
      const k = s < 0.7 ? `feed:${i}` : `queue:jobs:${i}`;
      const items = [];
      for (let j = 0, n = skewed(1, 300, 5); j < n; j++) items.push(text(int(20, 160)));
      await many('RPUSH', k, items);
      if (rand() < 0.2) await cmd('EXPIRE', k, ttl(H, 3 * D));
    } else if (r < 0.93) {
      // sets
      const items = [];
      for (let j = 0, n = skewed(1, 100, 3); j < n; j++) items.push(`tag:${int(1, 5000)}`);
      await many('SADD', s < 0.6 ? `user:${i}:tags` : `product:${i}:categories`, items);
    } else {
      // sorted sets
      const items = [];
      for (let j = 0, n = skewed(1, 100, 3); j < n; j++) items.push(int(0, 1e6), `user:${int(1, 1e6)}`);
      await many('ZADD', s < 0.6 ? `leaderboard:${i}` : `user:${i}:recent`, items);
    }
  }
  await flush();
  child.stdin.end();
  const code = await closed;
  const m = /errors: (\d+), replies: (\d+)/.exec(out);
  if (code !== 0 || !m) throw new Error(`redis-cli --pipe exited ${code}:\n${out.trim()}`);
  if (Number(m[1]) > 0) throw new Error(`redis-cli --pipe: ${m[1]} of ${m[2]} commands failed:\n${out.trim()}`);
  if (Number(m[2]) !== sent) throw new Error(`redis-cli --pipe: ${m[2]} replies for ${sent} commands`);
  return { commands: sent };
}

// ---- the tools --------------------------------------------------------------------------------------
/** Undoes redis-cli's sdscatrepr quoting ("…" with \\, \", \n, \r, \t, \a, \b and \xHH escapes). */
function unrepr(q) {
  const body = q.replace(/^"|"$/g, '');
  const esc = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };
  return body.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e) => (e[0] === 'x' && e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : esc[e] ?? e));
}

async function runRedisCli(port) {
  const r = await run(['redis-cli', '-p', String(port), '--memkeys']);
  // -------- summary -------
  // Sampled 1000000 keys in the keyspace!
  // Biggest string found '"product:catalog:export"' has 25165880 bytes
  // 600123 strings with 123456 bytes (60.01% of keys, avg size 205.73)
  const summary = r.stdout.slice(r.stdout.indexOf('-------- summary -------'));
  const sampled = /Sampled (\d+) keys in the keyspace/.exec(summary);
  if (!sampled) throw new Error(`redis-cli --memkeys printed no summary:\n${r.stdout.slice(-2000)}`);
  const biggest = {};
  for (const m of summary.matchAll(/^Biggest\s+(\S+) found '(.*)' has (\d+) bytes$/gm)) biggest[m[1]] = { key: unrepr(m[2]), bytes: Number(m[3]) };
  const types = {};
  for (const m of summary.matchAll(/^(\d+) (\S+?)s? with (\d+) bytes \(/gm)) types[m[2]] = { keys: Number(m[1]), bytes: Number(m[3]) };
  return { wallS: r.wallS, cpuS: r.cpuS, peakRssMb: r.peakRssMb, serverCpuS: r.serverCpuS, otherCpuS: r.otherCpuS, keys: Number(sampled[1]), biggest, types };
}

async function runPerfkit(port) {
  // exit 1 only means a finding or a budget failed; the report is still complete
  const argv = [process.execPath, bin, 'cache', 'inspect', '--redis', `redis://127.0.0.1:${port}`, '--format', 'json', '--top', '10'];
  const r = await run(argv, { okCodes: [0, 1] });
  let doc;
  try {
    doc = JSON.parse(r.stdout);
  } catch (e) {
    throw new Error(`perfkit cache inspect (exit ${r.code}) did not print one JSON document (${e.message}):\n${r.stdout.slice(0, 500)}\n${r.stderr.trim()}`);
  }
  const big = doc?.data?.bigKeys;
  if (!Array.isArray(big)) throw new Error(`perfkit cache inspect: data.bigKeys is missing from the report (keys: ${Object.keys(doc?.data ?? {}).join(', ')})`);
  const typeName = (t) => ({ 'sorted set': 'zset', sortedset: 'zset', 'sorted-set': 'zset' })[String(t).toLowerCase()] ?? String(t).toLowerCase();
  const bigKeys = big.map((b) => ({ key: String(b.key), type: typeName(b.type), bytes: Number(b.bytes), elements: b.elements, ttlMs: b.ttlMs }));
  return { wallS: r.wallS, cpuS: r.cpuS, peakRssMb: r.peakRssMb, serverCpuS: r.serverCpuS, otherCpuS: r.otherCpuS, keys: Number(doc?.summary?.keys), bigKeys, exit: r.code };
}

// ---- the run ----------------------------------------------------------------------------------------
const r2 = (x) => Math.round(x * 100) / 100;
const mb = (b) => `${r2(b / 1024 / 1024)} MB`;

await startServer().catch((e) => fail(3, e.message));
const { port } = bench.server;
const redisVersion = serverVersion();
say(`bench/cache-inspect: redis-server ${redisVersion} pid ${bench.server.child.pid} on 127.0.0.1:${port}; loading ${totalKeys} keys (seed ${seed}) with redis-cli --pipe …`);
const loadStart = performance.now();
const loaded = await load(port, totalKeys).catch((e) => abort(3, e.message));
const loadS = (performance.now() - loadStart) / 1000;
const [dbsize, memInfo] = await commands(port, [['DBSIZE'], ['INFO', 'memory']]).catch((e) => abort(3, e.message));
const usedMemory = Number(/used_memory:(\d+)/.exec(memInfo)?.[1]);
say(`bench/cache-inspect: loaded ${dbsize} keys (${loaded.commands} commands) in ${r2(loadS)} s; used_memory ${mb(usedMemory)}`);

// the seeded big keys as the server sizes them (not timed): the expected top 10 and biggest per type
// (bytes as MEMORY USAGE's default 5 samples estimate them, as redis-cli asks; exactBytes with SAMPLES 0)
const sizes = await commands(port, BIG.flatMap((b) => [['MEMORY', 'USAGE', b.key], ['MEMORY', 'USAGE', b.key, 'SAMPLES', '0']]), 60_000).catch((e) => abort(3, e.message));
const seeded = BIG.map((b, i) => ({ key: b.key, type: b.type, bytes: sizes[2 * i], exactBytes: sizes[2 * i + 1] })).sort((a, b) => b.bytes - a.bytes);
const seededTop10 = seeded.slice(0, 10);
const seededBiggest = {};
for (const s of seeded) seededBiggest[s.type] ??= s;

const runs = { 'redis-cli --memkeys': [], 'perfkit cache inspect': [] };
const order = [];
const TOOLS = cliOnly ? ['redis-cli --memkeys'] : ['redis-cli --memkeys', 'perfkit cache inspect'];
for (let round = 0; round < runsEach; round++) {
  for (const name of round % 2 ? [...TOOLS].reverse() : TOOLS) {
    say(`  ${name} …`);
    order.push(name);
    const r = await (name.startsWith('perfkit') ? runPerfkit(port) : runRedisCli(port)).catch((e) => abort(3, `${name}: ${e.message}`));
    say(`  ${name}: ${r2(r.wallS)} s, ${r.keys} keys`);
    runs[name].push(r);
  }
}
await stopServer();

const best = (name) => runs[name].reduce((a, b) => (b.wallS < a.wallS ? b : a), runs[name][0]);
const cli = best('redis-cli --memkeys');
const pk = cliOnly ? undefined : best('perfkit cache inspect');
const TYPES = ['string', 'hash', 'list', 'set', 'zset'];

// biggest key per type: redis-cli's against perfkit's (the first of that type in its top 10)
const perType = TYPES.map((type) => {
  const c = cli.biggest[type];
  const row = { type, redisCli: c, seeded: seededBiggest[type] };
  if (pk) {
    const p = pk.bigKeys.find((b) => b.type === type);
    const tenth = pk.bigKeys.length >= 10 ? pk.bigKeys[9].bytes : 0;
    row.perfkit = p ? { key: p.key, bytes: p.bytes } : undefined;
    if (p) row.agree = Boolean(c) && p.key === c.key;
    else row.agree = c ? c.bytes < tenth : true; // not in the top 10: fine only if redis-cli's is too small for it
    row.bytesEqual = Boolean(p && c && p.bytes === c.bytes);
  }
  return row;
});
const cliOverall = Object.values(cli.biggest).reduce((a, b) => (!a || b.bytes > a.bytes ? b : a), undefined);
let top10;
if (pk) {
  const keys = pk.bigKeys.map((b) => b.key);
  const sorted = pk.bigKeys.every((b, i) => i === 0 || pk.bigKeys[i - 1].bytes >= b.bytes);
  const tenth = pk.bigKeys.length >= 10 ? pk.bigKeys[9].bytes : 0;
  // every per-type biggest from redis-cli that is big enough to be in a top 10 must be in it
  const missing = Object.values(cli.biggest).filter((c) => c.bytes >= tenth && !keys.includes(c.key)).map((c) => c.key);
  top10 = {
    perfkit: pk.bigKeys.map((b) => `${b.key} (${b.type}, ${b.bytes} bytes${b.elements != null ? `, ${b.elements} elements` : ''}${b.ttlMs != null ? `, ttl ${b.ttlMs} ms` : ''})`),
    count: pk.bigKeys.length,
    sortedByBytes: sorted,
    firstIsRedisCliBiggest: pk.bigKeys[0]?.key === cliOverall?.key,
    redisCliBiggestMissing: missing,
    agreeWithRedisCli: pk.bigKeys.length === 10 && sorted && pk.bigKeys[0]?.key === cliOverall?.key && missing.length === 0 && perType.every((r) => r.agree),
    equalToSeeded: keys.join('\n') === seededTop10.map((s) => s.key).join('\n'),
  };
}
// the anchor itself must find the seeded big keys, or the data set is not what this bench claims
const cliFindsSeeded = TYPES.every((t) => cli.biggest[t]?.key === seededBiggest[t].key);
const cliKeysStable = runs['redis-cli --memkeys'].every((r) => r.keys === dbsize);
const pkKeysStable = cliOnly || runs['perfkit cache inspect'].every((r) => r.keys === dbsize);
const ratio = pk ? r2(pk.wallS / cli.wallS) : undefined;

const checks = [
  { what: 'redis-cli --memkeys finds the seeded biggest key of every type', actual: cliFindsSeeded ? 'yes' : 'no', pass: cliFindsSeeded },
  { what: `redis-cli counts every key (DBSIZE ${dbsize})`, actual: runs['redis-cli --memkeys'].map((r) => r.keys).join(', '), pass: cliKeysStable },
  ...(pk
    ? [
        { what: 'perfkit not slower than redis-cli --memkeys (ratio ≤ 1)', actual: `${ratio}`, pass: ratio <= 1 },
        { what: 'perfkit biggest key per type = redis-cli --memkeys biggest per type', actual: perType.every((r) => r.agree) ? 'equal' : 'differ', pass: perType.every((r) => r.agree) },
        { what: 'perfkit top 10 agrees with redis-cli as far as it can tell', actual: top10.agreeWithRedisCli ? 'yes' : 'no', pass: top10.agreeWithRedisCli },
        { what: 'perfkit top 10 = the 10 biggest seeded keys by MEMORY USAGE', actual: top10.equalToSeeded ? 'equal' : 'differ', pass: top10.equalToSeeded },
        { what: `perfkit summary.keys = DBSIZE ${dbsize}`, actual: runs['perfkit cache inspect'].map((r) => r.keys).join(', '), pass: pkKeysStable },
      ]
    : []),
];
const report = {
  bench: 'cache-inspect',
  environment: { node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, redis: redisVersion },
  pin: pin ? { serverCpu: pin[0], toolCpu: pin[1] } : null,
  input: { keys: dbsize, seed, loadCommands: loaded.commands, loadS: r2(loadS), usedMemoryBytes: usedMemory },
  order,
  results: Object.entries(runs)
    .filter(([, rs]) => rs.length)
    .map(([tool, rs]) => {
      const b = best(tool);
      return { tool, bestWallS: r2(b.wallS), each: rs.map((r) => r2(r.wallS)), keys: b.keys, cpuS: r2(b.cpuS), serverCpuS: r2(b.serverCpuS), otherCpuS: r2(b.otherCpuS), peakRssMb: r2(b.peakRssMb) };
    }),
  ratio,
  // best runs during which the rest of the machine used more than a fifth of one core
  contended: Object.entries(runs)
    .filter(([name, rs]) => rs.length && best(name).otherCpuS > 0.2 * best(name).wallS)
    .map(([name]) => name),
  perType,
  top10,
  seeded,
  redisCliTypes: cli.types,
  checks,
  pass: checks.every((c) => c.pass),
};

if (asJson) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`\ncache-inspect: ${dbsize} keys, ${mb(usedMemory)} used_memory, loaded in ${r2(loadS)} s (redis ${redisVersion}, node ${process.version}, ${report.environment.cores}× ${report.environment.cpu})`);
  console.log(`order: ${order.join(' → ')}${pin ? ` (redis-server on CPU ${pin[0]}, the tools on CPU ${pin[1]})` : ' (not pinned)'}`);
  const eachW = Math.max(8, ...report.results.map((r) => r.each.join(' / ').length)) + 2;
  console.log(`  ${pad('tool', 24)}${lpad('best s', 8)}${lpad('each s', eachW)}${lpad('keys', 9)}${lpad('CPU s', 8)}${lpad('server CPU s', 14)}${lpad('other CPU s', 13)}${lpad('peak RSS MB', 13)}`);
  for (const r of report.results) console.log(`  ${pad(r.tool, 24)}${lpad(r.bestWallS, 8)}${lpad(r.each.join(' / '), eachW)}${lpad(r.keys, 9)}${lpad(r.cpuS, 8)}${lpad(r.serverCpuS, 14)}${lpad(r.otherCpuS, 13)}${lpad(r.peakRssMb, 13)}`);
  console.log('  (of the best run: CPU s of the tool itself from /usr/bin/time, of redis-server from /proc/<pid>/stat, and of');
  console.log('   everything else on the machine meanwhile, steal time included, from /proc/stat)');
  if (report.contended.length) console.log(`  ! the machine was busy with other work during ${report.contended.join(', ')}: the times are not reliable; run again on a quiet machine`);
  if (pk) console.log(`  ratio perfkit / redis-cli: ${ratio} (< 1: perfkit is faster)`);
  console.log(`\n  ${pad('biggest per type', 18)}${pad('redis-cli --memkeys', 42)}${pk ? pad('perfkit', 42) : ''}`);
  for (const r of perType) {
    const cell = (x) => (x ? `${x.key} ${x.bytes}` : '-');
    console.log(`  ${pad(r.type, 18)}${pad(cell(r.redisCli), 42)}${pk ? pad(cell(r.perfkit), 42) : ''}${pk ? (r.agree ? (r.bytesEqual ? '' : '  (bytes differ)') : '  ≠') : ''}`);
  }
  if (top10) {
    console.log('\n  perfkit top 10 by bytes:');
    top10.perfkit.forEach((line, i) => console.log(`  ${lpad(i + 1, 4)}. ${line}${seededTop10[i]?.key === pk.bigKeys[i].key ? '' : `   (seeded: ${seededTop10[i]?.key})`}`));
    if (top10.redisCliBiggestMissing.length) console.log(`  missing from it: ${top10.redisCliBiggestMissing.join(', ')}`);
  } else {
    console.log('\n  the seeded big keys by MEMORY USAGE (default 5 samples; exact with SAMPLES 0):');
    seeded.forEach((s, i) => console.log(`  ${lpad(i + 1, 4)}. ${pad(s.key, 24)}${pad(s.type, 8)}${lpad(s.bytes, 10)}${lpad(s.exactBytes, 10)}`));
  }
  console.log('');
  for (const c of checks) console.log(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.what}: ${c.actual}`);
}
process.exit(report.pass ? 0 : 1);
