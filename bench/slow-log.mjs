#!/usr/bin/env node
// Slow-log benchmark: a ≥ 200 MB stderr log written by the real PostgreSQL 15 (pgbench traffic with
// log_min_duration_statement = 0, made by scripts/make-bench-log.sh when missing), read by
// `perfkit db slow --log` (as it comes, and with --threads 1) and by its anchor pgbadger 12 (`-j 1` and
// `-j 2`, `-x json`) in the same run. The page cache is warmed first; perfkit runs before, between and
// after the pgbadger runs (each pair alternates its order), and medians are reported. Each run is timed
// with /usr/bin/time -v (peak RSS of the largest process) while the RSS of the whole process tree is
// sampled (pgbadger -j 2 forks). Prints wall s, MB/s, peak RSS and the ratio to pgbadger -j 1, then the
// statement counts: the total, and per query matched on a canonical text that both normalizations
// reach (lowercase, literals and placeholders as ?, no whitespace, END = COMMIT).
// Exits 1 when perfkit is slower than 5× pgbadger -j 1, when its counts differ from pgbadger -j 1's,
// or when a perfkit run peaks above 200 MB RSS. `--mem-mb 1000` also runs perfkit alone on a 1 GB log
// (made if missing, ≈ 4 min) to show that memory stays flat.
//
// Needs a build first (and root + Debian to make the log):
//   npm run build && node bench/slow-log.mjs [--mb 200] [--log FILE] [--rounds 1] [--min-ratio 5]
//                                            [--max-rss-mb 200] [--mem-mb 1000] [--only pgbadger] [--json]
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { median, pad, lpad } from './lib/common.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const mb = Number(opt('--mb', 200));
const rounds = Number(opt('--rounds', 1));
const minRatio = Number(opt('--min-ratio', 5));
const maxRssMb = Number(opt('--max-rss-mb', 200));
const memMb = opt('--mem-mb') === undefined ? 0 : Number(opt('--mem-mb'));
const pgbadgerOnly = opt('--only') === 'pgbadger';
const asJson = args.includes('--json');
const PREFIX = '%m [%p] %q%u@%d ';
const logFor = (n) => `/tmp/perfkit-bench/pgbench-${n}mb.log`;
const logFile = opt('--log', logFor(mb));

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin/perfkit.js');
const say = (line) => (asJson ? process.stderr : process.stdout).write(`${line}\n`);
const fail = (code, msg) => {
  console.error(`bench/slow-log: ${msg}`);
  process.exit(code);
};

for (const [n, v] of [['--mb', mb], ['--rounds', rounds], ['--min-ratio', minRatio], ['--max-rss-mb', maxRssMb]]) {
  if (!(v > 0)) fail(2, `${n} needs a positive number`);
}
if (!existsSync('/usr/bin/time')) fail(2, '/usr/bin/time is missing (apt-get install time)');
if (!pgbadgerOnly) {
  if (!existsSync(path.join(root, 'dist/cli/main.js'))) fail(2, 'dist/ is missing; run `npm run build` first');
  const help = spawnSync(process.execPath, [bin, 'db', 'slow', '--help'], { encoding: 'utf8' });
  if (help.status !== 0 || !help.stdout.includes('--log')) fail(2, '`perfkit db slow --log` is not in dist/; run `npm run build` (or pass --only pgbadger)');
}

// ---- the log ----------------------------------------------------------------------------------------
function ensureLog(file, targetMb) {
  const size = existsSync(file) ? statSync(file).size : 0;
  if (size >= targetMb * 1024 * 1024) return;
  say(`bench/slow-log: making ${file} (${targetMb} MB) with scripts/make-bench-log.sh …`);
  const t0 = performance.now();
  const r = spawnSync('bash', [path.join(root, 'scripts/make-bench-log.sh'), file, String(targetMb)], { stdio: ['ignore', asJson ? 2 : 1, 2] });
  if (r.status !== 0) fail(2, `scripts/make-bench-log.sh failed (exit ${r.status})`);
  say(`bench/slow-log: log made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Reads the whole file once (warming the page cache) and counts lines and `duration: … statement:` entries. */
async function scanLog(file) {
  let lines = 0;
  let statements = 0;
  let tail = '';
  const re = / LOG: {2}duration: \d+(?:\.\d+)? ms {2}(?:statement|execute [^:]*):/;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const parts = (tail + chunk).split('\n');
    tail = parts.pop();
    lines += parts.length;
    for (const l of parts) if (re.test(l)) statements++;
  }
  if (tail) {
    lines++;
    if (re.test(tail)) statements++;
  }
  return { lines, statements };
}

// ---- timing one run ---------------------------------------------------------------------------------
/** Resident set size of a process and all its descendants, in KiB (0 once it has gone). */
function treeRssKb(pid, self = true) {
  let kb = 0;
  try {
    if (self) kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean)) kb += treeRssKb(Number(c));
    }
  } catch {
    // the process ended while we looked
  }
  return kb;
}

/** Runs argv under /usr/bin/time -v with stdout to a file; wall time, peak RSS (largest process) and sampled tree RSS. */
function timed(argv, stdoutFile, okCodes = [0]) {
  const timeFile = `${stdoutFile}.time`;
  return new Promise((resolve, reject) => {
    const out = openSync(stdoutFile, 'w');
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, ...argv], { stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    let treePeakKb = 0;
    const sample = setInterval(() => {
      treePeakKb = Math.max(treePeakKb, treeRssKb(child.pid, false)); // what /usr/bin/time runs, not time itself
    }, 200);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      clearInterval(sample);
      closeSync(out);
      const tv = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(tv);
      const status = /Exit status: (\d+)/.exec(tv);
      const exit = status ? Number(status[1]) : code;
      if (!okCodes.includes(exit)) {
        reject(new Error(`${argv.join(' ')} exited ${exit}\n${stderr}`));
        return;
      }
      resolve({ wallS, peakRssMb: rss ? Number(rss[1]) / 1024 : NaN, treeRssMb: treePeakKb / 1024, exit });
    });
  });
}

// ---- the tools --------------------------------------------------------------------------------------
const tmp = mkdtempSync(path.join(os.tmpdir(), 'perfkit-bench-slow-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let seq = 0;

async function runPerfkit(file, threads) {
  const outFile = path.join(tmp, `perfkit-${++seq}.json`);
  const argv = [process.execPath, bin, 'db', 'slow', '--log', file, '--prefix', PREFIX, '--format', 'json', '--top', '100000'];
  if (threads) argv.push('--threads', String(threads));
  // exit 1 only means a finding or budget failed; the report is still complete
  const r = await timed(argv, outFile, [0, 1]);
  let report;
  try {
    report = JSON.parse(readFileSync(outFile, 'utf8'));
  } catch (e) {
    throw new Error(`perfkit db slow wrote no JSON report (${e.message})`);
  }
  const queries = (report.data?.queries ?? []).map((q) => ({ query: q.query ?? '', calls: Number(q.calls), totalMs: Number(q.totalMs) }));
  return { ...r, total: Number(report.summary?.statements), queries };
}

async function runPgbadger(file, jobs) {
  const outFile = path.join(tmp, `pgbadger-j${jobs}-${++seq}.json`);
  const pidDir = mkdtempSync(path.join(tmp, 'pid-'));
  const stdoutFile = path.join(tmp, `pgbadger-${seq}.stdout`);
  const r = await timed(['pgbadger', '-j', String(jobs), '-x', 'json', '-o', outFile, '--pid-dir', pidDir, '-f', 'stderr', '--prefix', PREFIX, '-q', file], stdoutFile);
  const doc = JSON.parse(readFileSync(outFile, 'utf8'));
  // keys under overall_stat / normalyzed_info are log types ("postgres"; pgbouncer has its own sections)
  let total = 0;
  for (const s of Object.values(doc.overall_stat ?? {})) total += Number(s.queries_number ?? 0);
  const queries = [];
  for (const byQuery of Object.values(doc.normalyzed_info ?? {})) {
    for (const [query, v] of Object.entries(byQuery)) queries.push({ query, calls: Number(v.count), totalMs: Number(v.duration) });
  }
  return { ...r, total, queries };
}

// ---- matching the two normalizations ----------------------------------------------------------------
const TCL = { end: 'commit', commit: 'commit', endtransaction: 'commit', commitwork: 'commit', committransaction: 'commit', begin: 'begin', begintransaction: 'begin', beginwork: 'begin', starttransaction: 'begin' };
/** A text both pgbadger's regex normalization and libpg-query's $n normalization reduce to. */
function canonical(q) {
  let s = q
    .toLowerCase()
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\d+/g, '?')
    .replace(/-?\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/g, '?')
    .replace(/\b(?:true|false)\b/g, '?') // libpg-query makes booleans $n, pgbadger keeps them
    .replace(/\s+/g, '')
    .replace(/;+$/, '');
  s = s.replace(/\bin\((?:\?(?:,\?)*|\.\.\.)\)/g, 'in(...)');
  return TCL[s] ?? s;
}
const SHAPES = [
  ['BEGIN', (k) => k === 'begin'],
  ['UPDATE pgbench_accounts', (k) => k.startsWith('updatepgbench_accounts')],
  ['SELECT abalance', (k) => k.startsWith('selectabalancefrompgbench_accounts')],
  ['UPDATE pgbench_tellers', (k) => k.startsWith('updatepgbench_tellers')],
  ['UPDATE pgbench_branches', (k) => k.startsWith('updatepgbench_branches')],
  ['INSERT INTO pgbench_history', (k) => k.startsWith('insertintopgbench_history')],
  ['END / COMMIT', (k) => k === 'commit'],
];
const sampleText = new Map(); // canonical key → a readable text of it, for the table
function byCanonical(queries) {
  const m = new Map();
  for (const q of queries) {
    const k = canonical(q.query);
    if (!k) continue;
    m.set(k, (m.get(k) ?? 0) + q.calls);
    if (!sampleText.has(k)) sampleText.set(k, q.query.replace(/\s+/g, ' ').trim());
  }
  return m;
}

// ---- the run ----------------------------------------------------------------------------------------
const r1 = (x) => Math.round(x * 10) / 10;
const r2 = (x) => Math.round(x * 100) / 100;

ensureLog(logFile, mb);
const bytes = statSync(logFile).size;
const sizeMb = bytes / 1024 / 1024;
say(`bench/slow-log: reading ${logFile} once (page cache) …`);
const scan = await scanLog(logFile);

const pgbadgerVersion = spawnSync('pgbadger', ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '?';
const PERFKITS = ['perfkit', 'perfkit --threads 1'];
const runs = { perfkit: [], 'perfkit --threads 1': [], 'pgbadger -j 1': [], 'pgbadger -j 2': [] };
const order = [];
async function step(name) {
  order.push(name);
  say(`  ${name} …`);
  const r = await (name.startsWith('perfkit') ? runPerfkit(logFile, name.endsWith('1') ? 1 : undefined) : runPgbadger(logFile, name.endsWith('2') ? 2 : 1)).catch((e) => fail(3, e.message));
  say(`  ${name}: ${r1(r.wallS)} s, ${r1(sizeMb / r.wallS)} MB/s, peak RSS ${r1(r.peakRssMb)} MB (tree ${r1(r.treeRssMb)} MB)`);
  runs[name].push(r);
}
// perfkit (both ways) before, between and after the pgbadger runs; every pair alternates its order
let slot = 0;
async function perfkitSlot() {
  if (pgbadgerOnly) return;
  for (const name of slot++ % 2 ? [...PERFKITS].reverse() : PERFKITS) await step(name);
}
await perfkitSlot();
for (let i = 0; i < rounds; i++) {
  for (const name of i % 2 ? ['pgbadger -j 2', 'pgbadger -j 1'] : ['pgbadger -j 1', 'pgbadger -j 2']) {
    await step(name);
    await perfkitSlot();
  }
}

const results = Object.entries(runs)
  .filter(([, rs]) => rs.length)
  .map(([tool, rs]) => {
    const wallS = median(rs.map((r) => r.wallS));
    return {
      tool,
      runs: rs.length,
      wallS: r2(wallS),
      mbPerS: r2(sizeMb / wallS),
      peakRssMb: r1(Math.max(...rs.map((r) => r.peakRssMb))),
      treeRssMb: r1(Math.max(...rs.map((r) => r.treeRssMb))),
      each: rs.map((r) => ({ wallS: r2(r.wallS), peakRssMb: r1(r.peakRssMb), treeRssMb: r1(r.treeRssMb) })),
    };
  });
const anchor = results.find((r) => r.tool === 'pgbadger -j 1');
for (const r of results) r.ratio = r2(r.mbPerS / anchor.mbPerS);

// counts: the first run of each tool (every run of a tool must agree with its first)
const first = (name) => runs[name][0];
const consistent = Object.entries(runs).every(([, rs]) => rs.every((r) => r.total === rs[0].total));
const maps = Object.fromEntries(Object.keys(runs).filter((n) => runs[n].length).map((n) => [n, byCanonical(first(n).queries)]));
// pgbench's statements in transaction order, then the rest by pgbadger -j 1's count
const shapeRank = (k) => {
  const i = SHAPES.findIndex(([, test]) => test(k));
  return i < 0 ? SHAPES.length : i;
};
const keys = [...new Set(Object.values(maps).flatMap((m) => [...m.keys()]))].sort(
  (a, b) => shapeRank(a) - shapeRank(b) || (maps['pgbadger -j 1'].get(b) ?? 0) - (maps['pgbadger -j 1'].get(a) ?? 0),
);
const queryRows = keys.map((k) => {
  const shape = SHAPES.find(([, test]) => test(k));
  const row = { key: k, label: shape ? shape[0] : sampleText.get(k).slice(0, 29), pgbench: Boolean(shape) };
  for (const n of Object.keys(maps)) row[n] = maps[n].get(k) ?? 0;
  row.agree = PERFKITS.every((n) => !maps[n] || row[n] === row['pgbadger -j 1']);
  return row;
});
const totals = { 'log (duration lines)': scan.statements };
for (const n of Object.keys(maps)) totals[n] = first(n).total;
const countsAgree = consistent && PERFKITS.every((n) => !maps[n] || totals[n] === totals['pgbadger -j 1']) && queryRows.every((r) => r.agree);

// ---- memory on a 1 GB log (optional) ----------------------------------------------------------------
let memory;
if (memMb > 0 && !pgbadgerOnly) {
  const bigFile = logFor(memMb);
  ensureLog(bigFile, memMb);
  const bigMb = statSync(bigFile).size / 1024 / 1024;
  say(`bench/slow-log: reading ${bigFile} once (page cache) …`);
  const bigScan = await scanLog(bigFile);
  memory = { file: bigFile, mb: r1(bigMb), lines: bigScan.lines, statements: bigScan.statements, runs: [] };
  for (const threads of [undefined, 1]) {
    const tool = threads ? 'perfkit --threads 1' : 'perfkit';
    say(`  ${tool} on ${bigFile} (${r1(bigMb)} MB) …`);
    const r = await runPerfkit(bigFile, threads).catch((e) => fail(3, e.message));
    memory.runs.push({ tool, wallS: r2(r.wallS), mbPerS: r2(bigMb / r.wallS), peakRssMb: r1(r.peakRssMb), statements: r.total });
  }
  memory.peakRssMb = Math.max(...memory.runs.map((r) => r.peakRssMb));
  memory.countsAgree = memory.runs.every((r) => r.statements === bigScan.statements);
}

const perfkit = results.find((r) => r.tool === 'perfkit');
const rssWorst = Math.max(...results.filter((r) => r.tool.startsWith('perfkit')).map((r) => r.peakRssMb), memory?.peakRssMb ?? 0);
const checks = pgbadgerOnly
  ? []
  : [
      { what: `perfkit ≥ ${minRatio}× pgbadger -j 1 throughput`, actual: `${perfkit.ratio}×`, pass: perfkit.ratio >= minRatio },
      { what: 'perfkit statement counts equal to pgbadger -j 1 (total and per query)', actual: countsAgree ? 'equal' : 'differ', pass: countsAgree },
      { what: `perfkit peak RSS ≤ ${maxRssMb} MB`, actual: `${rssWorst} MB`, pass: rssWorst <= maxRssMb },
      ...(memory ? [{ what: `perfkit on ${memory.mb} MB: statements equal to the log's duration lines`, actual: memory.countsAgree ? 'equal' : 'differ', pass: memory.countsAgree }] : []),
    ];
const report = {
  bench: 'slow-log',
  environment: { node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length, pgbadger: pgbadgerVersion },
  input: { file: logFile, bytes, mb: r1(sizeMb), lines: scan.lines, statements: scan.statements },
  order,
  results,
  counts: { totals, queries: queryRows, agree: countsAgree },
  memory,
  checks,
  pass: checks.every((c) => c.pass),
};

if (asJson) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`\nslow-log: ${report.input.mb} MB, ${scan.lines} lines, ${scan.statements} statements (${report.environment.pgbadger}, node ${process.version}, ${report.environment.cores}× ${report.environment.cpu})`);
  console.log(`order: ${order.join(' → ')}`);
  console.log(`  ${pad('tool', 28)}${lpad('wall s', 9)}${lpad('MB/s', 9)}${lpad('peak RSS MB', 13)}${lpad('tree RSS MB', 13)}${lpad('vs -j 1', 9)}`);
  for (const r of results) console.log(`  ${pad(`${r.tool}${r.runs > 1 ? ` (×${r.runs})` : ''}`, 28)}${lpad(r.wallS, 9)}${lpad(r.mbPerS, 9)}${lpad(r.peakRssMb, 13)}${lpad(r.treeRssMb, 13)}${lpad(`${r.ratio}×`, 9)}`);
  console.log('  (peak RSS: largest single process, from /usr/bin/time -v; tree RSS: all processes, sampled every 200 ms)');
  const cols = Object.keys(maps);
  console.log(`\n  ${pad('statements', 30)}${cols.map((c) => lpad(c, 21)).join('')}`);
  console.log(`  ${pad('total', 30)}${cols.map((c) => lpad(totals[c], 21)).join('')}   (log: ${scan.statements} duration lines)`);
  const shown = queryRows.filter((r) => r.pgbench || !r.agree).slice(0, 20);
  for (const r of shown) console.log(`  ${pad(r.label, 30)}${cols.map((c) => lpad(r[c], 21)).join('')}${r.agree ? '' : '   ≠'}`);
  const rest = queryRows.filter((r) => !shown.includes(r));
  if (rest.length) console.log(`  ${pad(`${rest.length} other shapes (pgbench -i …)`, 30)}${cols.map((c) => lpad(rest.reduce((a, r) => a + r[c], 0), 21)).join('')}${rest.every((r) => r.agree) ? '' : '   ≠'}`);
  if (!consistent) console.log('  ! a tool counted differently from one run to the next');
  if (memory) {
    console.log(`\n  on ${memory.file} (${memory.mb} MB, ${memory.lines} lines, ${memory.statements} duration lines):`);
    for (const r of memory.runs) console.log(`  ${pad(r.tool, 28)}${lpad(r.wallS, 9)}${lpad(r.mbPerS, 9)}${lpad(r.peakRssMb, 13)}   ${r.statements} statements`);
  }
  console.log('');
  for (const c of checks) console.log(`  ${c.pass ? 'ok  ' : 'FAIL'} ${c.what}: ${c.actual}`);
}
process.exit(report.pass ? 0 : 1);
