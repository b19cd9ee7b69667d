#!/usr/bin/env node
// Cache-warm benchmark: 1,000,000 string items made from a seeded PRNG (≈ 40 % product:<id>:card JSON
// objects, 35 % session:<uuid> tokens or objects, 15 % user:<id>:profile objects, 10 % fragment:<id>:<path>
// HTML with quotes, a newline and a little non-ASCII; values ≈ 80–500 bytes, avg ≈ 300; every item with a TTL of
// 1 h–7 d in seconds, so none expires during the run) are streamed into items.ndjson ({"key","value","ttl"}
// lines) and, from the same items, into items.resp: the commands perfkit sends for them with its default
// --mode nx, `SET <key> <value> NX PX <ttl × 1000>` (an object value as JSON.stringify writes it). Then,
// against a throwaway redis-server 7.0 (own free loopback port, never 6379, no persistence) FLUSHALLed
// before every run, the anchor `redis-cli --pipe < items.resp` and `perfkit cache warm --from items.ndjson
// --no-checkpoint --format json` each write them, twice each in alternating order (--runs), redis-server
// and the tool pinned to different CPUs (--pin); the best wall time of each counts, keys/s = items / wall
// time (perfkit's own summary.itemsPerSec, which leaves out its start-up, is shown too). After every run
// DBSIZE must equal the item count, and 1,000 random items of the NDJSON are read back (GET, PTTL) and must
// have the value and a TTL no longer than asked and no shorter than the time since the run began allows.
// The CPU time of the tool, of redis-server and of everything else on the machine is shown for each best
// run; a run during which other work used > 20 % of a core is flagged as unreliable. Exits 1 when perfkit's
// keys/s are below 0.8 × redis-cli's, its peak RSS is 250 MB or more, or any count or read-back disagrees;
// 2 on bad arguments or a missing build; 3 when a tool fails.
//
// perfkit runs from a copy of bin/ and dist/ taken at the start, so that a rebuild meanwhile cannot change it.
// Needs a build first (and redis-server, redis-cli 7 on PATH; ≈ 2 × 360 MB in the temp dir at 1M items):
//   npm run build && node bench/cache-warm.mjs [--keys 1000000] [--seed 1] [--runs 2] [--pin 0,1|none] [--bin FILE] [--json]
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, createReadStream, existsSync, mkdirSync, openSync, statSync, symlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { canPin, cliArgs, commands, missingTools, mulberry32, parsePin, redisBench, redisVersion as serverVersion, resp } from './lib/redis-bench.mjs';
import { pad, lpad } from './lib/common.mjs';

const { opt, has } = cliArgs();
const totalKeys = Number(opt('--keys', 1_000_000));
const seed = Number(opt('--seed', 1));
const runsEach = Number(opt('--runs', 2));
// --pin S,T: redis-server on CPU S, the measured tool on CPU T (taskset), as in bench/cache-inspect.mjs:
// every run gets the same placement, as a client on another host would. --pin none: the scheduler decides.
const pinArg = opt('--pin', canPin() ? '0,1' : 'none');
const asJson = has('--json');
const SAMPLE = 1000; // items read back after each run
const FLOOR_RATIO = 0.8; // perfkit keys/s ≥ 0.8 × redis-cli --pipe keys/s
const FLOOR_RSS_MB = 250; // perfkit peak RSS below this

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.resolve(opt('--bin', path.join(root, 'bin/perfkit.js'))); // another build's bin/perfkit.js
const fail = (code, msg) => {
  console.error(`bench/cache-warm: ${msg}`);
  process.exit(code); // once the bench below exists, its 'exit' handler SIGKILLs the server if it still runs
};

if (!Number.isInteger(totalKeys) || totalKeys < 1000) fail(2, '--keys needs an integer ≥ 1000');
if (!Number.isInteger(seed)) fail(2, '--seed needs an integer');
if (!Number.isInteger(runsEach) || runsEach < 1) fail(2, '--runs needs a positive integer');
const pinParsed = parsePin(pinArg);
if (pinParsed.error) fail(2, pinParsed.error);
const pin = pinParsed.pin;
for (const tool of missingTools(['redis-server', 'redis-cli'])) fail(2, `${tool} is not on PATH (apt-get install redis-server)`);
if (!existsSync(bin)) fail(2, `${bin} is missing`);
if (!opt('--bin') && !existsSync(path.join(root, 'dist/cli/main.js'))) fail(2, 'dist/cli/main.js is missing: run `npm run build` first');
{
  const help = spawnSync(process.execPath, [bin, 'cache', 'warm', '--help'], { encoding: 'utf8' });
  if (help.status !== 0 || !/--from\b/.test(help.stdout) || !/--no-checkpoint\b/.test(help.stdout)) {
    const first = (help.stderr || help.stdout).trim().split('\n')[0] ?? '';
    fail(2, `\`perfkit cache warm --help\` did not show the command's --from and --no-checkpoint options (exit ${help.status}, first line: ${JSON.stringify(first)}): the command is not built yet; run \`npm run build\``);
  }
}

// ---- the throwaway server (bench/lib/redis-bench.mjs: own port, stopped by its PID, temp dir removed) ----
const bench = redisBench({ name: 'cache-warm', pin, asJson });
const { say, abort, run, startServer, stopServer, tmp } = bench;

// Other work in the repo may rebuild dist/ while this runs (a half-written build fails or mixes versions):
// every run uses one private copy of bin/ and dist/ (with package.json, and node_modules linked), taken now.
let perfkitBin = bin;
if (!opt('--bin')) {
  const snap = path.join(tmp, 'perfkit');
  mkdirSync(snap);
  for (const p of ['bin', 'dist', 'package.json']) cpSync(path.join(root, p), path.join(snap, p), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(snap, 'node_modules'), 'dir');
  perfkitBin = path.join(snap, 'bin/perfkit.js');
  const help = spawnSync(process.execPath, [perfkitBin, 'cache', 'warm', '--help'], { encoding: 'utf8' });
  if (help.status !== 0 || !/--from\b/.test(help.stdout)) fail(2, `the copy of the build in ${snap} does not run (dist/ was being rebuilt?): ${(help.stderr || help.stdout).trim().split('\n')[0]}; run again`);
}

// ---- the data set -----------------------------------------------------------------------------------
const rand = mulberry32(seed);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const pick = (a) => a[Math.floor(rand() * a.length)];
const WORDS = (
  'the a of and to in for with on by from new fresh classic premium organic light dark soft slim ultra eco smart ' +
  'cotton leather steel wooden glass ceramic bamboo linen wool denim silk travel kitchen garden office outdoor ' +
  'shoe jacket lamp chair table mug bottle backpack blanket kettle speaker charger cable case watch sofa rug ' +
  'comfortable durable lightweight waterproof handmade recycled adjustable compact elegant versatile reliable ' +
  'café crème naïve größe señor déjà résumé – délicieux fiancée über'
).split(' ');
const POOL_LEN = 1 << 20;
const POOL = (() => {
  const parts = [];
  let len = 0;
  while (len < POOL_LEN) {
    const w = pick(WORDS);
    parts.push(w);
    len += w.length + 1;
  }
  return parts.join(' ');
})();
/** Words of about n characters (a slice of the pool, from a word start). */
const text = (n) => {
  let off = Math.floor(rand() * (POOL.length - n - 32));
  off = POOL.indexOf(' ', off) + 1;
  return POOL.slice(off, off + n).trimEnd();
};
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const token = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[Math.floor(rand() * 62)];
  return s;
};
const hex = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rand() * 16)];
  return s;
};
// Keys must be unique (DBSIZE is checked), and mulberry32 has only 2^32 states: a uuid drawn from it alone
// would repeat ≈ 20 times in 400k sessions. Its first group is the item number through a bijection of 32-bit
// integers (an odd multiplier), so it looks random and never repeats.
const uuid = (i) => `${(Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')}-${hex(4)}-4${hex(3)}-${'89ab'[int(0, 3)]}${hex(3)}-${hex(12)}`;
const H = 3600;
const D = 24 * H;
const isoDate = () => new Date(Date.UTC(2024, 0, 1) + int(0, 700 * D) * 1000).toISOString();
const bytes = (s) => Buffer.byteLength(s);

/** An object whose JSON is about `target` bytes (50–500): `fill` is a text field sized to get there. */
function sized(obj, fill, target) {
  const base = bytes(JSON.stringify(obj)) + fill.length + 5;
  obj[fill] = text(Math.max(0, target - base));
  while (bytes(JSON.stringify(obj)) > 500) obj[fill] = obj[fill].slice(0, -8);
  return obj;
}

/** Item i: { key, value (string or object), ttl (seconds) }. */
function item(i) {
  const r = rand();
  if (r < 0.4) {
    const id = 100_000 + i;
    const value = sized(
      {
        id,
        sku: `SKU-${token(8).toUpperCase()}`,
        name: text(int(12, 40)),
        price: int(199, 99_999) / 100,
        currency: pick(['EUR', 'USD', 'GBP']),
        inStock: rand() < 0.8,
        rating: int(10, 50) / 10,
        reviews: int(0, 5000),
        tags: Array.from({ length: int(0, 4) }, () => pick(WORDS)),
        image: `https://cdn.example.com/p/${id}/${token(10)}.webp`,
      },
      'summary',
      int(180, 500),
    );
    return { key: `product:${id}:card`, value, ttl: int(6 * H, 7 * D) };
  }
  if (r < 0.75) {
    const key = `session:${uuid(i)}`;
    if (rand() < 0.6) {
      // an opaque serialized session, as a framework stores it
      const value = `uid=${int(1, 5_000_000)};csrf=${token(32)};locale=${pick(['en-GB', 'de-DE', 'fr-FR', 'es-ES'])};exp=${int(1.7e9, 1.8e9)};data=${token(int(0, 200))}`;
      return { key, value: value.slice(0, 500), ttl: int(H, D) };
    }
    const value = sized(
      {
        userId: int(1, 5_000_000),
        csrf: token(32),
        roles: rand() < 0.1 ? ['customer', 'admin'] : ['customer'],
        cart: Array.from({ length: int(0, 5) }, () => ({ sku: `SKU-${token(8).toUpperCase()}`, qty: int(1, 4) })),
        createdAt: isoDate(),
      },
      'flash',
      int(100, 450),
    );
    return { key, value, ttl: int(H, D) };
  }
  if (r < 0.9) {
    const value = sized(
      {
        id: i,
        name: `${text(int(4, 12))} ${text(int(4, 14))}`.trim(),
        email: `user${i}@example.com`,
        locale: pick(['en-GB', 'de-DE', 'fr-FR', 'es-ES']),
        plan: pick(['free', 'plus', 'pro']),
        prefs: { newsletter: rand() < 0.5, theme: pick(['light', 'dark', 'auto']) },
      },
      'bio',
      int(120, 480),
    );
    return { key: `user:${i}:profile`, value, ttl: int(H, 3 * D) };
  }
  const pathName = `/category/${pick(WORDS)}-${pick(WORDS)}?page=${int(1, 40)}`;
  let value = `<li class="card" data-id="${i}">\n<a href="${pathName}"><h3>${text(int(10, 40))}</h3></a><p>${text(int(20, 400))}</p></li>`;
  while (bytes(value) > 500) value = value.slice(0, -8);
  return { key: `fragment:${i}:${pathName}`, value, ttl: int(H, 12 * H) };
}

/** Streams the items into items.ndjson and items.resp, 4 MB of text at a time. */
function generate(n) {
  const ndjsonFile = path.join(tmp, 'items.ndjson');
  const respFile = path.join(tmp, 'items.resp');
  const nd = openSync(ndjsonFile, 'w');
  const rs = openSync(respFile, 'w');
  let ndBuf = [];
  let rsBuf = [];
  let pendingLen = 0;
  const flush = () => {
    writeSync(nd, ndBuf.join(''));
    writeSync(rs, rsBuf.join(''));
    ndBuf = [];
    rsBuf = [];
    pendingLen = 0;
  };
  const stats = { objects: 0, minValueBytes: Infinity, maxValueBytes: 0, valueBytes: 0, nonAscii: 0, byPrefix: {} };
  for (let i = 0; i < n; i++) {
    const it = item(i);
    const line = `${JSON.stringify(it)}\n`;
    // what perfkit sends: an object value as JSON.stringify writes it; a numeric ttl is seconds, sent as PX ms
    const value = typeof it.value === 'string' ? it.value : JSON.stringify(it.value);
    const cmd = resp(['SET', it.key, value, 'NX', 'PX', String(it.ttl * 1000)]);
    ndBuf.push(line);
    rsBuf.push(cmd);
    pendingLen += line.length + cmd.length;
    if (pendingLen >= 4 << 20) flush();
    const vb = bytes(value);
    if (typeof it.value !== 'string') stats.objects++;
    if (vb !== value.length) stats.nonAscii++;
    stats.minValueBytes = Math.min(stats.minValueBytes, vb);
    stats.maxValueBytes = Math.max(stats.maxValueBytes, vb);
    stats.valueBytes += vb;
    const prefix = it.key.slice(0, it.key.indexOf(':'));
    stats.byPrefix[prefix] = (stats.byPrefix[prefix] ?? 0) + 1;
  }
  flush();
  closeSync(nd);
  closeSync(rs);
  return { ndjsonFile, respFile, ndjsonBytes: statSync(ndjsonFile).size, respBytes: statSync(respFile).size, stats };
}

/**
 * SAMPLE distinct random items, read back from the NDJSON file (not from the generator): what Redis must
 * hold for them after either tool ran.
 */
async function sampleFromNdjson(file, n) {
  const pr = mulberry32(seed ^ 0x5eed);
  const want = new Set();
  while (want.size < Math.min(SAMPLE, n)) want.add(Math.floor(pr() * n));
  const sample = [];
  let i = 0;
  for await (const line of createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity })) {
    if (want.has(i)) {
      const rec = JSON.parse(line);
      sample.push({ line: i + 1, key: rec.key, value: typeof rec.value === 'string' ? rec.value : JSON.stringify(rec.value), ttlMs: rec.ttl * 1000 });
    }
    i++;
  }
  if (i !== n) throw new Error(`${file} has ${i} lines, expected ${n}`);
  return sample;
}

/** DBSIZE and the read-back of the sample after a run that began at `startedMs` (Date.now()). */
async function check(port, sample, startedMs) {
  const [dbsize] = await commands(port, [['DBSIZE']]);
  const replies = await commands(port, sample.flatMap((s) => [['GET', s.key], ['PTTL', s.key]]), 60_000);
  const elapsedMs = Date.now() - startedMs;
  const bad = [];
  sample.forEach((s, j) => {
    const v = replies[2 * j];
    const t = replies[2 * j + 1];
    if (v === null) bad.push(`${s.key} (line ${s.line}): missing`);
    else if (v !== s.value) bad.push(`${s.key} (line ${s.line}): value differs (${Buffer.byteLength(String(v))} bytes, expected ${Buffer.byteLength(s.value)})`);
    // set during the run: at most ttlMs left, and at least ttlMs minus the time since the run began (+ 1 s slack)
    else if (!(typeof t === 'number' && t > 0 && t <= s.ttlMs && t >= s.ttlMs - elapsedMs - 1000)) bad.push(`${s.key} (line ${s.line}): PTTL ${t}, expected ${s.ttlMs - elapsedMs}–${s.ttlMs} ms`);
  });
  return { dbsize, checked: sample.length, ok: sample.length - bad.length, bad: bad.slice(0, 10) };
}

// ---- the tools --------------------------------------------------------------------------------------
async function runRedisCli(port, respFile) {
  const r = await run(['redis-cli', '-p', String(port), '--pipe'], { stdin: respFile });
  // All data transferred. Waiting for the last reply...
  // Last reply received from server.
  // errors: 0, replies: 1000000
  const m = /errors: (\d+), replies: (\d+)/.exec(r.stdout);
  if (!m) throw new Error(`redis-cli --pipe printed no "errors: …, replies: …" line:\n${r.stdout.slice(-1000)}${r.stderr}`);
  return { ...r, items: Number(m[2]), written: Number(m[2]) - Number(m[1]), errors: Number(m[1]), itemsPerSec: undefined };
}

async function runPerfkit(port, ndjsonFile) {
  // exit 1 only means a finding; the report is still complete and its counts are checked below
  const argv = [process.execPath, perfkitBin, 'cache', 'warm', '--from', ndjsonFile, '--redis', `redis://127.0.0.1:${port}`, '--no-checkpoint', '--format', 'json'];
  const r = await run(argv, { okCodes: [0, 1] });
  let doc;
  try {
    doc = JSON.parse(r.stdout);
  } catch (e) {
    throw new Error(`perfkit cache warm (exit ${r.code}) did not print one JSON document (${e.message}):\n${r.stdout.slice(0, 500)}\n${r.stderr.trim()}`);
  }
  const s = doc?.summary ?? {};
  if (!Number.isFinite(s.items) || !Number.isFinite(s.written)) throw new Error(`perfkit cache warm: summary.items or summary.written is missing (summary: ${JSON.stringify(s)})`);
  return { ...r, items: s.items, written: s.written, errors: (s.failed ?? 0) + (s.skipped ?? 0), failed: s.failed, skipped: s.skipped, itemsPerSec: s.itemsPerSec, exit: r.code };
}

// ---- the run ----------------------------------------------------------------------------------------
const r2 = (x) => Math.round(x * 100) / 100;
const mb = (b) => `${r2(b / 1024 / 1024)} MB`;
const k = (x) => Math.round(x).toLocaleString('en-US');

say(`bench/cache-warm: generating ${totalKeys} items (seed ${seed}) into ${tmp} …`);
const genStart = performance.now();
const gen = generate(totalKeys);
const genS = (performance.now() - genStart) / 1000;
const sample = await sampleFromNdjson(gen.ndjsonFile, totalKeys).catch((e) => fail(3, e.message));
say(`bench/cache-warm: items.ndjson ${mb(gen.ndjsonBytes)}, items.resp ${mb(gen.respBytes)} in ${r2(genS)} s; values ${gen.stats.minValueBytes}–${gen.stats.maxValueBytes} B (avg ${Math.round(gen.stats.valueBytes / totalKeys)}), ${gen.stats.objects} objects`);

await startServer().catch((e) => fail(3, e.message));
const { port } = bench.server;
const redisVersion = serverVersion();
say(`bench/cache-warm: redis-server ${redisVersion} pid ${bench.server.child.pid} on 127.0.0.1:${port}`);

const CLI = 'redis-cli --pipe';
const PK = 'perfkit cache warm';
const TOOLS = [CLI, PK];
const runs = { [CLI]: [], [PK]: [] };
const order = [];
for (let round = 0; round < runsEach; round++) {
  for (const name of round % 2 ? [...TOOLS].reverse() : TOOLS) {
    const [flushed, empty] = await commands(port, [['FLUSHALL', 'SYNC'], ['DBSIZE']], 120_000).catch((e) => abort(3, `FLUSHALL: ${e.message}`));
    if (flushed !== 'OK' || empty !== 0) await abort(3, `FLUSHALL answered ${flushed}, DBSIZE ${empty} afterwards`);
    say(`  ${name} …`);
    order.push(name);
    const startedMs = Date.now();
    const r = await (name === PK ? runPerfkit(port, gen.ndjsonFile) : runRedisCli(port, gen.respFile)).catch((e) => abort(3, `${name}: ${e.message}`));
    r.check = await check(port, sample, startedMs).catch((e) => abort(3, `${name}: reading back: ${e.message}`));
    say(`  ${name}: ${r2(r.wallS)} s, ${k(totalKeys / r.wallS)} keys/s${r.itemsPerSec ? ` (its own: ${k(r.itemsPerSec)}/s)` : ''}, written ${r.written}, DBSIZE ${r.check.dbsize}, read back ${r.check.ok}/${r.check.checked} ok, peak RSS ${r2(r.peakRssMb)} MB`);
    runs[name].push(r);
  }
}
await stopServer();

const best = (name) => runs[name].reduce((a, b) => (b.wallS < a.wallS ? b : a), runs[name][0]);
const cli = best(CLI);
const pk = best(PK);
const keysPerSec = (r) => totalKeys / r.wallS;
const ratio = r2(keysPerSec(pk) / keysPerSec(cli));
const pkPeakRss = Math.max(...runs[PK].map((r) => r.peakRssMb));
const all = [...runs[CLI], ...runs[PK]];
const checks = [
  { what: `perfkit keys/s ≥ ${FLOOR_RATIO} × redis-cli --pipe keys/s`, actual: `${ratio}`, pass: ratio >= FLOOR_RATIO },
  { what: `perfkit peak RSS < ${FLOOR_RSS_MB} MB (every run)`, actual: `${r2(pkPeakRss)} MB`, pass: pkPeakRss < FLOOR_RSS_MB },
  { what: `redis-cli --pipe: ${totalKeys} replies, no errors`, actual: runs[CLI].map((r) => `${r.items}/${r.errors}`).join(', '), pass: runs[CLI].every((r) => r.items === totalKeys && r.errors === 0) },
  { what: `perfkit summary.items = summary.written = ${totalKeys}`, actual: runs[PK].map((r) => `${r.items}/${r.written}`).join(', '), pass: runs[PK].every((r) => r.items === totalKeys && r.written === totalKeys) },
  { what: `DBSIZE = ${totalKeys} after every run`, actual: all.map((r) => r.check.dbsize).join(', '), pass: all.every((r) => r.check.dbsize === totalKeys) },
  { what: `${sample.length} random NDJSON items read back with their value and TTL after every run`, actual: all.map((r) => `${r.check.ok}/${r.check.checked}`).join(', '), pass: all.every((r) => r.check.ok === r.check.checked) },
];
const report = {
  bench: 'cache-warm',
  environment: { node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, redis: redisVersion },
  pin: pin ? { serverCpu: pin[0], toolCpu: pin[1] } : null,
  input: { items: totalKeys, seed, ndjsonBytes: gen.ndjsonBytes, respBytes: gen.respBytes, generateS: r2(genS), ...gen.stats, avgValueBytes: Math.round(gen.stats.valueBytes / totalKeys) },
  order,
  results: [CLI, PK].map((tool) => {
    const b = best(tool);
    return {
      tool,
      bestWallS: r2(b.wallS),
      each: runs[tool].map((r) => r2(r.wallS)),
      keysPerSec: Math.round(keysPerSec(b)),
      eachKeysPerSec: runs[tool].map((r) => Math.round(keysPerSec(r))),
      ownItemsPerSec: tool === PK ? runs[tool].map((r) => r.itemsPerSec) : undefined,
      cpuS: r2(b.cpuS),
      serverCpuS: r2(b.serverCpuS),
      otherCpuS: r2(b.otherCpuS),
      peakRssMb: r2(b.peakRssMb),
      eachPeakRssMb: runs[tool].map((r) => r2(r.peakRssMb)),
    };
  }),
  ratio,
  // best runs during which the rest of the machine used more than a fifth of one core
  contended: [CLI, PK].filter((name) => best(name).otherCpuS > 0.2 * best(name).wallS),
  readBack: all.map((r) => r.check),
  checks,
  pass: checks.every((c) => c.pass),
};

if (asJson) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`\ncache-warm: ${totalKeys} items (${Object.entries(gen.stats.byPrefix).map(([p, n]) => `${p} ${n}`).join(', ')}; ${gen.stats.objects} JSON objects), values ${gen.stats.minValueBytes}–${gen.stats.maxValueBytes} B, avg ${report.input.avgValueBytes} B; items.ndjson ${mb(gen.ndjsonBytes)}, items.resp ${mb(gen.respBytes)} (redis ${redisVersion}, node ${process.version}, ${report.environment.cores}× ${report.environment.cpu})`);
  console.log(`order: ${order.join(' → ')}${pin ? ` (redis-server on CPU ${pin[0]}, the tools on CPU ${pin[1]})` : ' (not pinned)'}; FLUSHALL before each`);
  const eachW = Math.max(8, ...report.results.map((r) => r.each.join(' / ').length)) + 2;
  console.log(`  ${pad('tool', 22)}${lpad('best s', 8)}${lpad('each s', eachW)}${lpad('keys/s', 11)}${lpad('CPU s', 8)}${lpad('server CPU s', 14)}${lpad('other CPU s', 13)}${lpad('peak RSS MB', 13)}`);
  for (const r of report.results) console.log(`  ${pad(r.tool, 22)}${lpad(r.bestWallS, 8)}${lpad(r.each.join(' / '), eachW)}${lpad(k(r.keysPerSec), 11)}${lpad(r.cpuS, 8)}${lpad(r.serverCpuS, 14)}${lpad(r.otherCpuS, 13)}${lpad(r.peakRssMb, 13)}`);
  console.log('  (keys/s = items / wall time of the whole process; of the best run: CPU s of the tool itself from /usr/bin/time,');
  console.log('   of redis-server from /proc/<pid>/stat, and of everything else on the machine meanwhile, steal time included)');
  console.log(`  perfkit's own summary.itemsPerSec (writing only, without start-up): ${runs[PK].map((r) => k(r.itemsPerSec)).join(' / ')}`);
  if (report.contended.length) console.log(`  ! the machine was busy with other work during ${report.contended.join(', ')}: the times are not reliable; run again on a quiet machine`);
  console.log(`  ratio perfkit / redis-cli --pipe (keys/s): ${ratio} (≥ ${FLOOR_RATIO} required; 1: as fast)`);
  const badOnes = all.flatMap((r) => r.check.bad);
  if (badOnes.length) console.log(`  read-back failures (first ${Math.min(10, badOnes.length)}):\n${badOnes.slice(0, 10).map((b) => `    ${b}`).join('\n')}`);
  console.log('');
  for (const c of checks) console.log(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.what}: ${c.actual}`);
}
process.exit(report.pass ? 0 : 1);
