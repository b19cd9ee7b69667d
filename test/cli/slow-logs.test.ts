// `perfkit db slow --log` as users run it: every log format of the fixture agrees with what the workload
// executed, merging saved results is exact, --state reads only new lines, and bad logs fail loudly.
import { appendFile, copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, expectSlowData, fixture, parseReport, runCli } from '../helpers/cli.js';

const expected = JSON.parse(await readFile(fixture('pg/logs/expected.json'), 'utf8'));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'perfkit-slow-'));
});

async function slow(args: string[], input?: string) {
  const r = await runCli(['db', 'slow', ...args, '--format', 'json', '--top', '1000'], { input });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return parseReport(r.stdout);
}

describe('db slow --log on logs written by PostgreSQL 15', () => {
  for (const f of ['stderr-debian.log', 'stderr-pgbadger.log', 'stderr-plain.log', 'postgresql.csv', 'postgresql.json', 'stderr-debian.log.gz']) {
    it(`${f}: statement count, per-query counts and summary keys`, async () => {
      const doc = await slow(['--log', fixture(`pg/logs/${f}`)]);
      expect(doc.summary.statements).toBe(expected.statements);
      expectSlowData(doc.data);
      for (const k of ['queries', 'statements', 'totalMs', 'p95Ms', 'linesRead', 'linesUnparsed']) expect(typeof doc.summary[k], k).toBe('number');
      const calls = (needle: string) => doc.data.queries.filter((q: any) => q.query.startsWith(needle)).reduce((n: number, q: any) => n + q.calls, 0);
      expect(calls('SELECT name, qty FROM items WHERE id = $1')).toBe(100);
      expect(doc.data.errors.count).toBe(expected.errors.ERROR + expected.errors.FATAL);
      const q = doc.data.queries[0];
      for (const k of ['fingerprint', 'query', 'calls', 'totalMs', 'meanMs', 'minMs', 'maxMs', 'p50Ms', 'p95Ms', 'p99Ms', 'example']) expect(q, k).toHaveProperty(k);
      expect(q.p50Ms).toBeLessThanOrEqual(q.p95Ms);
      expect(q.p95Ms).toBeLessThanOrEqual(q.maxMs);
    });
  }

  it('reads stdin and infers the prefix', async () => {
    const doc = await slow(['--log', '-'], await readFile(fixture('pg/logs/stderr-pgbadger.log'), 'utf8'));
    expect(doc.summary.statements).toBe(expected.statements);
    expect(doc.target.prefixSource).toBe('inferred');
  });

  it('lints attached auto_explain plans with the db explain rules', async () => {
    const doc = await slow(['--log', fixture('pg/logs/auto-explain-json.log')]);
    expect(doc.data.queries.some((q: any) => q.plan)).toBe(true);
  });

  it('merges saved results exactly: a + b merged equals both logs read together', async () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    const logA = fixture('pg/logs/stderr-debian.log');
    const logB = fixture('pg/logs/stderr-plain.log');
    await writeFile(a, JSON.stringify(await slow(['--log', logA])));
    await writeFile(b, JSON.stringify(await slow(['--log', logB])));
    const merged = await slow(['merge', a, b]);
    const together = await slow(['--log', logA, '--log', logB]);
    expect(merged.summary.statements).toBe(together.summary.statements);
    expect(merged.summary.p95Ms).toBe(together.summary.p95Ms);
    const pick = (d: any) => d.data.queries.map((q: any) => [q.fingerprint, q.calls, q.totalMs, q.p50Ms, q.p95Ms, q.p99Ms, q.maxMs]).sort();
    expect(pick(merged)).toEqual(pick(together));
  });

  it('--state reads only what was appended since the last run', async () => {
    const log = path.join(dir, 'growing.log');
    const state = path.join(dir, 'slow.state');
    await copyFile(fixture('pg/logs/stderr-debian.log'), log);
    const first = await slow(['--log', log, '--state', state]);
    expect(first.summary.statements).toBe(expected.statements);
    const again = await slow(['--log', log, '--state', state]);
    expect(again.summary.statements).toBe(expected.statements); // nothing new: the saved aggregate, not twice
    await appendFile(log, '2026-11-21 10:00:00.000 UTC [4242] perfkit@shop LOG:  duration: 5.000 ms  statement: SELECT name, qty FROM items WHERE id = 7\n');
    const third = await slow(['--log', log, '--state', state]);
    expect(third.summary.statements).toBe(expected.statements + 1);
  });
});

describe('db slow bad logs: one line, the input named, a fix, exit 2', () => {
  const write = async (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    await writeFile(p, content);
    return p;
  };
  const cases: Array<[string, () => Promise<string[]>, RegExp]> = [
    ['wrong prefix', async () => ['--log', fixture('pg/logs/stderr-debian.log'), '--prefix', '%t [%p]: user=%u '], /0 of [\d,]+ lines matched prefix '%t \[%p\]: user=%u '.*try --prefix/],
    ['empty log', async () => ['--log', await write('empty.log', '')], /empty/],
    ['binary file', async () => ['--log', await write('bin.log', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 0, 0]))], /bin\.log is not a text log/],
    ['truncated gzip', async () => {
      const gz = await readFile(fixture('pg/logs/stderr-debian.log.gz'));
      return ['--log', await write('cut.log.gz', gz.subarray(0, Math.floor(gz.length / 2)))];
    }, /cut\.log\.gz/],
    ['missing file', async () => ['--log', path.join(dir, 'nope.log')], /nope\.log/],
    ['bad --sort', async () => ['--log', fixture('pg/logs/stderr-debian.log'), '--sort', 'io'], /--sort 'io'/],
    ['merge of one file', async () => ['merge', fixture('pg/logs/expected.json')], /two or more/],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, async () => {
      const r = await runCli(['db', 'slow', ...(await args()), '--format', 'json']);
      expect(r.code, r.stderr).toBe(2);
      expect(expectOneLineError(r)).toMatch(pattern);
    });
  }
});

describe('db slow from pg_stat_statements (real PostgreSQL)', () => {
  it('top queries with their counters, documented in schemas/db-slow.schema.json', async () => {
    const { testPgUrl, requirePg } = await import('../helpers/services.js');
    await requirePg();
    const doc = await slow(['--db', testPgUrl(), '--sort', 'calls']);
    expect(doc.data.source).toBe('pg_stat_statements');
    expectSlowData(doc.data);
    const calls = doc.data.queries.map((q: any) => q.calls);
    expect(calls).toEqual([...calls].sort((a: number, b: number) => b - a));
  });

  it('--interval reports the difference of two snapshots', async () => {
    const { testPgUrl } = await import('../helpers/services.js');
    const doc = await slow(['--db', testPgUrl(), '--interval', '500ms']);
    expect(doc.data.intervalMs).toBeGreaterThanOrEqual(400);
    expectSlowData(doc.data);
  });
});
