// db explain as users run it: the spawned binary, real PostgreSQL, exit codes, schema-valid JSON,
// no ANSI when not a TTY, redaction, and one-line errors for every bad input.
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, fixture, parseReport, runCli } from '../helpers/cli.js';
import { requirePg, testPgUrl } from '../helpers/services.js';

let dir: string;
beforeAll(async () => {
  await requirePg();
  dir = await mkdtemp(path.join(os.tmpdir(), 'perfkit-explain-'));
});
const db = () => ['--db', testPgUrl()];
const file = async (name: string, content: string | Buffer) => {
  const p = path.join(dir, name);
  await writeFile(p, content);
  return p;
};

describe('db explain offline (--plan)', () => {
  it('lints a captured JSON plan: schema-valid JSON, findings with node paths, summary keys', async () => {
    const r = await runCli(['db', 'explain', '--plan', fixture('pg/plans/disk-sort.json'), '--format', 'json']);
    const doc = parseReport(r.stdout);
    expect(doc.command).toBe('db explain');
    for (const k of ['planningMs', 'executionMs', 'totalCost', 'rows', 'sharedHit', 'sharedRead', 'findings.error', 'findings.warn']) {
      expect(typeof doc.summary[k], k).toBe('number');
    }
    const sort = doc.findings.find((f: any) => f.rule === 'disk-sort');
    expect(sort.location).toMatch(/Sort/);
    expect(sort.fix).toBeTruthy();
    expect(r.code).toBe(doc.status === 'fail' ? 1 : 0);
  });

  it('reads a text plan from stdin and prints a table without ANSI codes', async () => {
    const text = await readFile(fixture('pg/plans/hash-batches.txt'), 'utf8');
    const r = await runCli(['db', 'explain', '--plan', '-'], { input: text });
    expect(r.stdout).toContain('hash-batches');
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect([0, 1]).toContain(r.code);
  });

  it('colours with FORCE_COLOR and not with NO_COLOR', async () => {
    const args = ['db', 'explain', '--plan', fixture('pg/plans/disk-sort.json')];
    expect((await runCli(args, { env: { FORCE_COLOR: '1' } })).stdout).toMatch(/\u001b\[/);
    expect((await runCli(args, { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).not.toMatch(/\u001b\[/);
  });

  it('turns a finding or a budget into exit 1, and --fail-on never into exit 0', async () => {
    const args = ['db', 'explain', '--plan', fixture('pg/plans/disk-sort.json'), '--format', 'json'];
    const strict = await runCli([...args, '--threshold', 'executionMs<0.001']);
    expect(strict.code).toBe(1);
    expect(parseReport(strict.stdout).budgets[0]).toMatchObject({ metric: 'executionMs', status: 'fail' });
    const lax = await runCli([...args, '--fail-on', 'never', '--threshold', 'executionMs<1000000']);
    expect(lax.code).toBe(0);
    expect(parseReport(lax.stdout).status).not.toBe('fail');
  });

  it('reads a budget file, writes -o atomically in the format of its extension', async () => {
    const budget = await file('budget.yaml', 'budgets:\n  - metric: executionMs\n    max: 1000000\n  - metric: findings.error\n    max: 100\n    level: warn\n');
    const out = path.join(dir, 'report.md');
    const r = await runCli(['db', 'explain', '--plan', fixture('pg/plans/disk-sort.json'), '--budget', budget, '-o', out, '--fail-on', 'never']);
    expect(r.code).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/^## .* perfkit db explain/);
  });

  it('junit output has a testcase per finding and budget', async () => {
    const r = await runCli(['db', 'explain', '--plan', fixture('pg/plans/disk-sort.json'), '--format', 'junit', '--threshold', 'rows>0']);
    expect(r.stdout).toMatch(/^<\?xml/);
    expect(r.stdout).toContain('classname="perfkit db explain.budgets"');
  });
});

describe('db explain live (real PostgreSQL)', () => {
  it('explains a statement with estimates only, and with --analyze', async () => {
    const q = 'SELECT relname FROM pg_class WHERE relkind = \'r\' ORDER BY relname';
    const plain = parseReport((await runCli(['db', 'explain', q, ...db(), '--format', 'json'])).stdout);
    expect(plain.data.live).toMatchObject({ analyzed: false, rolledBack: true, method: 'explain' });
    const analyzed = parseReport((await runCli(['db', 'explain', q, ...db(), '--analyze', '--format', 'json'])).stdout);
    expect(analyzed.data.live.analyzed).toBe(true);
    expect(analyzed.summary.executionMs).toBeGreaterThan(0);
    expect(analyzed.target.display).toContain('perfkit:***@');
    expect(JSON.stringify(analyzed)).not.toContain('perfkit:perfkit@');
  });

  it('binds --params, and makes a generic plan for $n without values', async () => {
    const q = 'SELECT * FROM pg_class WHERE relname = $1';
    const bound = parseReport((await runCli(['db', 'explain', q, '--params', '["pg_class"]', '--analyze', ...db(), '--format', 'json'])).stdout);
    expect(bound.data.live.method).toBe('explain-params');
    const generic = parseReport((await runCli(['db', 'explain', q, ...db(), '--format', 'json'])).stdout);
    expect(generic.data.live.method).toMatch(/generic/);
  });

  it('refuses to EXPLAIN ANALYZE a write without --allow-writes, and rolls it back with it', async () => {
    const setup = await runCli(['db', 'explain', 'SELECT 1', ...db(), '--format', 'json']);
    expect(setup.code).toBe(0);
    const del = 'DELETE FROM pg_description WHERE false';
    const refused = await runCli(['db', 'explain', del, '--analyze', ...db()]);
    expect(refused.code).toBe(2);
    expect(expectOneLineError(refused)).toMatch(/--allow-writes/);
    const ok = parseReport((await runCli(['db', 'explain', del, '--analyze', '--allow-writes', ...db(), '--format', 'json'])).stdout);
    expect(ok.data.live).toMatchObject({ writes: true, rolledBack: true });
    expect(ok.findings.some((f: any) => f.rule === 'rolled-back')).toBe(true);
  });

  it('saves a plan and compares against it node by node', async () => {
    const saved = path.join(dir, 'before.json');
    const q = 'SELECT count(*) FROM pg_attribute';
    expect((await runCli(['db', 'explain', q, '--analyze', '--save-plan', saved, ...db(), '--fail-on', 'never'])).code).toBe(0);
    const cmp = parseReport((await runCli(['db', 'explain', q, '--analyze', '--compare', saved, ...db(), '--format', 'json', '--fail-on', 'never'])).stdout);
    expect(cmp.data.compare).toBeTruthy();
  });
});

describe('db explain bad input: one line, the input named, a fix, the documented exit code', () => {
  const cases: Array<[string, () => Promise<string[]>, number, RegExp]> = [
    ['missing file', async () => ['--plan', path.join(dir, 'nope.json')], 2, /nope\.json.*no such file/],
    ['empty file', async () => ['--plan', await file('empty.json', '')], 2, /empty\.json.*empty/],
    ['binary file', async () => ['--plan', await file('bin.json', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]))], 2, /bin\.json.*binary/],
    ['truncated JSON', async () => ['--plan', await file('trunc.json', '[{"Plan": {"Node Type": "Seq Scan", "Total Cost": 1')], 2, /trunc\.json/],
    ['JSON that is not a plan', async () => ['--plan', await file('notplan.json', '{"hello": "world"}')], 2, /notplan\.json.*not/],
    ['text that is not a plan', async () => ['--plan', await file('notplan.txt', 'hello world\nthis is not a plan\n')], 2, /notplan\.txt/],
    ['two statements', async () => ['SELECT 1; SELECT 2', ...db()], 2, /2 statements/],
    ['SQL syntax error', async () => ['SELEC * FROM t', ...db()], 2, /syntax error at or near "SELEC" at position 1/],
    ['unknown table (Postgres position)', async () => ['SELECT * FROM no_such_table_x', ...db()], 2, /relation "no_such_table_x" does not exist \(at position 15/],
    ['wrong password', async () => ['SELECT 1', '--db', 'postgres://perfkit:wrong-pass@127.0.0.1:5432/perfkit_test'], 3, /password authentication failed for user 'perfkit'/],
    ['refused port', async () => ['SELECT 1', '--db', 'postgres://perfkit:perfkit@127.0.0.1:1/x'], 3, /127\.0\.0\.1:1: connection refused/],
    ['unknown flag', async () => ['--plan', 'x.json', '--bogus'], 2, /unknown option '--bogus'/],
    ['no input', async () => [], 2, /needs a statement or a plan/],
    ['bad --params', async () => ['SELECT $1::int', '--params', '[1,', ...db()], 2, /--params: not a JSON array/],
    ['bad duration', async () => ['SELECT 1', '--statement-timeout', 'soon', ...db()], 2, /--statement-timeout 'soon'/],
    ['bad --threshold', async () => ['--plan', fixture('pg/plans/disk-sort.json'), '--threshold', 'p95 about 3'], 2, /--threshold 'p95 about 3'/],
  ];
  for (const [name, args, code, pattern] of cases) {
    it(name, async () => {
      const r = await runCli(['db', 'explain', ...(await args()), '--format', 'json']);
      expect(r.code, r.stderr).toBe(code);
      const line = expectOneLineError(r);
      expect(line).toMatch(pattern);
      expect(line).not.toContain('wrong-pass');
    });
  }

  it('a stack trace only with --verbose', async () => {
    const r = await runCli(['db', 'explain', 'SELECT 1', '--db', 'postgres://u:pw@127.0.0.1:1/x', '--verbose']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain(':pw@');
  });
});
