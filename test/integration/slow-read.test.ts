// The log reader on real PostgreSQL 15 logs (fixtures/pg/logs, scripts/capture-logs.sh): every format gives
// the counts the workload produced, byte ranges tile a file exactly, and bad input is an input error.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PerfkitError } from '../../src/cli/errors.js';
import type { LogEvent, ReadStats } from '../../src/db/slow/model.js';
import { emptyStats, openLogSource, readLogBatches, readLogEvents, type ReadOptions } from '../../src/db/slow/read.js';

const DIR = fileURLToPath(new URL('../../fixtures/pg/logs/', import.meta.url));
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'perfkit-slow-read-'));

async function readAll(spec: string, opts: ReadOptions = {}, stdin?: NodeJS.ReadableStream): Promise<{ events: LogEvent[]; stats: ReadStats }> {
  const stats = emptyStats();
  const events: LogEvent[] = [];
  for await (const e of readLogEvents(await openLogSource(spec, stdin), opts, stats)) events.push(e);
  return { events, stats };
}
async function failure(spec: string, opts: ReadOptions = {}): Promise<PerfkitError> {
  try {
    await readAll(spec, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(PerfkitError);
    expect((e as PerfkitError).kind).toBe('input');
    return e as PerfkitError;
  }
  throw new Error(`expected an input error reading ${spec}`);
}
const ofKind = <K extends LogEvent['kind']>(events: LogEvent[], kind: K) => events.filter((e) => e.kind === kind) as Extract<LogEvent, { kind: K }>[];
const count = <T>(items: T[], key: (t: T) => string | undefined) =>
  items.reduce<Record<string, number>>((acc, t) => { const k = key(t) ?? '?'; acc[k] = (acc[k] ?? 0) + 1; return acc; }, {});

const FIXTURES = ['stderr-debian.log', 'stderr-pgbadger.log', 'stderr-plain.log', 'postgresql.csv', 'postgresql.json',
  'auto-explain-json.log', 'log-duration.log', 'stderr-debian.log.gz'];

describe.each(FIXTURES)('%s gives what the workload did', (file) => {
  it('statements, plans, errors, temp files, locks, checkpoints, autovacuum, connections', async () => {
    const { events, stats } = await readAll(join(DIR, file));
    const statements = ofKind(events, 'statement');
    expect(statements).toHaveLength(expected.statements);
    for (const [shape, n] of Object.entries(expected.shapes)) {
      expect([shape, statements.filter((s) => s.query.startsWith(shape)).length]).toEqual([shape, n]);
    }
    expect(count(statements.filter((s) => s.preparedName), (s) => s.preparedName)).toEqual(expected.preparedNamed);
    const unnamed = statements.filter((s) => s.query.startsWith('SELECT id, name FROM items WHERE id = $1'));
    expect(unnamed.map((s) => s.params)).toContainEqual(["'1'", "'it''s'"]);
    expect(unnamed.map((s) => s.params)).toContainEqual(["'2'", 'NULL']);
    expect(unnamed.map((s) => s.params)).toContainEqual(["'3'", "'two\nlines'"]);
    expect(statements.find((s) => s.query.startsWith("SELECT length('"))!.query.length).toBeGreaterThanOrEqual(10_000);

    const plans = ofKind(events, 'plan');
    expect(plans).toHaveLength(expected.plans);
    expect(plans.map((p) => p.query).sort()).toEqual([
      'SELECT count(*), pg_sleep(0.3) FROM items WHERE qty = 3', 'SELECT count(*), pg_sleep(0.3) FROM items WHERE qty = 4',
      'UPDATE items SET qty = qty + 0 WHERE id = 1']);
    expect(new Set(plans.map((p) => p.planFormat))).toEqual(new Set([file === 'auto-explain-json.log' ? 'json' : 'text']));
    expect(plans.every((p) => p.durationMs >= 250 && /Aggregate|Update/.test(p.plan))).toBe(true);

    const errors = ofKind(events, 'error');
    expect(count(errors, (e) => e.severity)).toEqual(expected.errors);
    expect(errors.find((e) => e.message === 'relation "no_such_table" does not exist')?.statement).toBe('SELECT * FROM no_such_table;');
    if (file.endsWith('.csv') || file.endsWith('.json')) expect(count(errors, (e) => e.sqlstate)).toEqual(expected.sqlstates);

    const temp = ofKind(events, 'tempfile');
    expect(temp).toHaveLength(expected.tempfiles);
    expect(temp[0]).toMatchObject({ statement: 'SELECT id, name FROM items ORDER BY name DESC, id' });
    expect(temp[0]!.bytes).toBeGreaterThan(64 * 1024);

    const locks = ofKind(events, 'lockwait');
    expect(locks).toHaveLength(expected.lockwaits.waiting);
    expect(locks[0]).toMatchObject({ lockMode: 'ShareLock', acquired: true, statement: 'UPDATE items SET qty = qty + 0 WHERE id = 1' });
    expect(locks[0]!.waitMs).toBeGreaterThan(1000);

    const checkpoints = ofKind(events, 'checkpoint');
    expect(count(checkpoints, (c) => c.phase)).toEqual({ starting: expected.checkpoints.starting, complete: expected.checkpoints.complete });
    expect(checkpoints.filter((c) => c.phase === 'starting').map((c) => c.reason)).toEqual(expected.checkpoints.reasons);
    expect(checkpoints.filter((c) => c.phase === 'complete').every((c) => c.buffers! >= 0 && c.totalMs! >= 0)).toBe(true);

    const vacuums = ofKind(events, 'autovacuum');
    expect(count(vacuums, (v) => v.action)).toEqual({ vacuum: expected.autovacuum.vacuum, analyze: expected.autovacuum.analyze });
    expect(new Set(vacuums.map((v) => v.table))).toEqual(new Set([expected.autovacuum.table]));

    expect(count(ofKind(events, 'connection'), (c) => c.action)).toEqual(expected.connections);
    expect(stats.matched).toBeGreaterThan(0);
    expect(stats.unparsed).toBe(0);
  });
});

describe('the three formats of one run agree', () => {
  it('stderr, csvlog and jsonlog give the same statements, times and errors', async () => {
    const key = (e: LogEvent) => { const { meta, ...rest } = e; return { ...rest, time: meta.time, pid: meta.pid }; };
    const [stderr, csv, json] = await Promise.all(['stderr-debian.log', 'postgresql.csv', 'postgresql.json'].map((f) => readAll(join(DIR, f))));
    const pick = (r: { events: LogEvent[] }) => r.events.filter((e) => e.kind === 'statement' || e.kind === 'plan').map(key);
    expect(pick(csv)).toEqual(pick(stderr));
    expect(pick(json)).toEqual(pick(stderr));
    const errs = (r: { events: LogEvent[] }) => ofKind(r.events, 'error').map(({ message, statement }) => ({ message, statement }));
    expect(errs(csv)).toEqual(errs(stderr));
    expect(errs(json)).toEqual(errs(stderr));
    expect(stderr.stats).toMatchObject({ format: 'stderr', prefix: '%m [%p] %q%u@%d ', prefixSource: 'inferred' });
    expect(csv.stats.format).toBe('csvlog');
    expect(json.stats.format).toBe('jsonlog');
  });

  it('times in CET and -03 land next to the UTC run (runs were seconds apart)', async () => {
    const first = async (f: string) => (await readAll(join(DIR, f))).events[0]!.meta.time!;
    const utc = await first('stderr-debian.log');
    for (const f of ['stderr-pgbadger.log', 'stderr-plain.log']) expect(Math.abs((await first(f)) - utc)).toBeLessThan(120_000);
  });

  it('prefixes are inferred: pgbadger-style and plain', async () => {
    expect((await readAll(join(DIR, 'stderr-pgbadger.log'))).stats.prefix).toBe('%t [%p]: user=%u,db=%d,app=%a,client=%h ');
    expect((await readAll(join(DIR, 'stderr-plain.log'))).stats.prefix).toBe('%m [%p] ');
  });
});

describe('sources', () => {
  it('gzip (by magic bytes) and stdin, plain or gzip, give the same events as the file', async () => {
    const strip = (r: { events: LogEvent[] }) => r.events.map((e) => ({ ...e, meta: { ...e.meta, at: e.meta.at.replace(/^.*:/, '') } }));
    const plain = strip(await readAll(join(DIR, 'stderr-debian.log')));
    const renamed = join(tmp, 'no-extension');
    writeFileSync(renamed, readFileSync(join(DIR, 'stderr-debian.log.gz')));
    expect(strip(await readAll(renamed))).toEqual(plain);
    for (const f of ['stderr-debian.log', 'stderr-debian.log.gz']) {
      const stdin = Readable.from([readFileSync(join(DIR, f))]);
      const r = await readAll('-', {}, stdin);
      expect(r.stats.files).toEqual(['stdin']);
      expect(strip(r)).toEqual(plain);
    }
  });

  it('a glob reads the matching files in name order', async () => {
    const r = await readAll(join(DIR, 'stderr-*.log'));
    expect(r.stats.files.map((f) => f.replace(/^.*\//, ''))).toEqual(['stderr-debian.log', 'stderr-pgbadger.log', 'stderr-plain.log']);
    expect(ofKind(r.events, 'statement')).toHaveLength(3 * expected.statements);
    expect((await failure(join(DIR, 'nothing-*.log'))).message).toMatch(/^no file matches '.*nothing-\*\.log'$/);
  });
});

const sorted = (events: LogEvent[]) => [...events].sort((a, b) =>
  Number(a.meta.at.split(':').pop()) - Number(b.meta.at.split(':').pop()) || a.kind.localeCompare(b.kind));

describe('byte ranges', () => {
  it.each(['stderr-debian.log', 'auto-explain-json.log', 'log-duration.log', 'postgresql.json'])('%s read in ranges gives exactly the whole read', async (file) => {
    const path = join(DIR, file);
    const whole = await readAll(path);
    const size = readFileSync(path).length;
    for (const cuts of [[size >> 1], [1, 2, 3], [1000, 5000, 5001, 20_000, size - 1], Array.from({ length: 40 }, (_, i) => Math.floor((size * (i + 1)) / 41) + (i % 7))]) {
      const bounds = [0, ...cuts, size];
      const events: LogEvent[] = [];
      const stats = emptyStats();
      for (let i = 0; i + 1 < bounds.length; i++) {
        for await (const e of readLogEvents(await openLogSource(path), { byteRange: { start: bounds[i]!, end: bounds[i + 1]! } }, stats)) events.push(e);
      }
      // the same events; a pair completed past a range's end comes at that range's end, hence the sort
      expect(sorted(events)).toEqual(sorted(whole.events));
      expect([stats.lines, stats.bytes, stats.matched]).toEqual([whole.stats.lines, whole.stats.bytes, whole.stats.matched]);
    }
  });

  it('gzip and csvlog cannot be split', async () => {
    for (const f of ['stderr-debian.log.gz', 'postgresql.csv']) {
      const gen = readLogEvents(await openLogSource(join(DIR, f)), { byteRange: { start: 0, end: 10 } }, emptyStats());
      await expect(gen.next()).rejects.toThrow(/cannot be read in byte ranges/);
    }
  });
});

describe('bad input is an input error that says why', () => {
  it('truncated gzip', async () => {
    const gz = readFileSync(join(DIR, 'stderr-debian.log.gz'));
    const path = join(tmp, 'cut.log.gz');
    writeFileSync(path, gz.subarray(0, gz.length - 200));
    const e = await failure(path);
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/unexpected end of file/);
  });

  it('binary file', async () => {
    const path = join(tmp, 'core.bin');
    writeFileSync(path, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 0, 0, 65, 66]));
    expect((await failure(path)).message).toBe(`${path} is not a text log: it has NUL bytes in its first 8 KB`);
  });

  it('empty log, and missing file', async () => {
    const path = join(tmp, 'empty.log');
    writeFileSync(path, '');
    expect((await failure(path)).message).toBe(`${path}: the log is empty`);
    writeFileSync(path, '\n\n');
    expect((await failure(path)).message).toBe(`${path}: the log is empty`);
    expect((await failure(join(tmp, 'missing.log'))).message).toBe(`cannot read ${join(tmp, 'missing.log')}: no such file`);
  });

  it('wrong prefix: how many lines, what they look like, what to try', async () => {
    const path = join(DIR, 'stderr-debian.log');
    const e = await failure(path, { prefix: '%t [%p]: ' });
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
    expect(e.message).toBe(`${path}: 0 of ${lines.length} lines matched prefix '%t [%p]: '; lines look like '${lines[0]!.slice(0, 79)}…'; try --prefix '%m [%p] %q%u@%d '`);
    expect(e.hint).toMatch(/SHOW log_line_prefix/);
  });

  it('lines no prefix can explain', async () => {
    const path = join(tmp, 'app.log');
    writeFileSync(path, 'Nov 21 12:00:01 web[12]: GET / 200\nNov 21 12:00:02 web[12]: GET /a 404\n');
    expect((await failure(path)).message).toBe(`${path}: 0 of 2 lines start with a log_line_prefix perfkit recognises; lines look like 'Nov 21 12:00:01 web[12]: GET / 200'; pass the server's log_line_prefix with --prefix (SHOW log_line_prefix)`);
  });

  it('a format forced on the wrong log', async () => {
    const path = join(DIR, 'stderr-debian.log');
    expect((await failure(path, { format: 'jsonlog' })).message).toMatch(/^.*stderr-debian\.log: 0 of \d+ lines are jsonlog records; lines look like '2026-/);
    expect((await failure(path, { format: 'csvlog' })).message).toMatch(/: 0 of \d+ rows are csvlog records/);
  });

  it('a log with only errors is read, not refused', async () => {
    const path = join(tmp, 'errors.log');
    writeFileSync(path, readFileSync(join(DIR, 'stderr-debian.log'), 'utf8').split('\n').filter((l) => / (ERROR|FATAL|STATEMENT):  /.test(l)).join('\n'));
    const { events } = await readAll(path);
    expect(count(events, (e) => e.kind)).toEqual({ error: 5 });
  });
});

describe('throughput (printed, not asserted)', () => {
  it('reads a pgbench-like stderr log', async () => {
    const path = join(tmp, 'bench.log');
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const t = new Date(Date.UTC(2024, 2, 1, 12) + i).toISOString().replace('T', ' ').replace('Z', ' UTC');
      lines.push(`${t} [${1000 + (i % 8)}] postgres@bench LOG:  duration: 0.${i % 1000} ms  statement: UPDATE pgbench_accounts SET abalance = abalance + ${i % 5000} WHERE aid = ${i * 7919 % 100000};`);
    }
    const block = `${lines.join('\n')}\n`;
    writeFileSync(path, block.repeat(10));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const stats = emptyStats();
    let n = 0;
    for await (const batch of readLogBatches(await openLogSource(path), {}, stats)) n += batch.length;
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const mb = stats.bytes / 1048576;
    expect(n).toBe(200_000);
    // wall time depends on what else runs; CPU time is the reader's own cost
    console.log(`log reader: ${mb.toFixed(1)} MB in ${s.toFixed(2)} s = ${(mb / s).toFixed(1)} MB/s wall, ${(mb / ((cpu.user + cpu.system) / 1e6)).toFixed(1)} MB per CPU-second`);
  });
});
