// `perfkit db analyze` on the real PostgreSQL: the fixture database with planted problems, the score and
// sections, a pg_monitor-only role, and a server restarted mid-report (on a cluster of the test's own).
import { execFileSync, spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../../src/cli/main.js';
import { createMemoryIo } from '../../src/cli/io.js';
import { bin, parseReport } from '../helpers/cli.js';
import { createIndexFixtureDb, type IndexFixtureDb } from '../helpers/index-fixture.js';

let db: IndexFixtureDb;
beforeAll(async () => {
  db = await createIndexFixtureDb('analyze');
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    for (let i = 0; i < 3; i++) await c.query('SELECT count(*) FROM order_items WHERE product_id = 42');
  } finally {
    await c.end();
  }
}, 120_000);
afterAll(async () => db?.drop());

async function analyze(url: string, args: string[] = []) {
  const io = createMemoryIo();
  const code = await runMain(['db', 'analyze', '--db', url, '--format', 'json', ...args], io);
  if (!io.out()) throw new Error(`no report (exit ${code}): ${io.err()}`);
  return { code, doc: parseReport(io.out()), err: io.err() };
}

describe('db analyze', () => {
  it('one report: score by section, health checks, slow queries, index advice and health', async () => {
    const { code, doc } = await analyze(db.url, ['--slow-ms', '0']);
    for (const k of ['score', 'findings.error', 'findings.warn', 'cacheHitRatio', 'connectionsUsedPct', 'slowQueries', 'recommendations', 'xidAgePct']) {
      expect(typeof doc.summary[k], k).toBe('number');
    }
    expect(doc.summary.score).toBeGreaterThanOrEqual(0);
    expect(doc.summary.score).toBeLessThanOrEqual(100);
    expect(doc.data.sections.map((s: any) => s.id).sort()).toEqual(['health', 'index-advice', 'index-health', 'plans', 'slow-queries']);
    const rules = new Set(doc.findings.map((f: any) => f.rule));
    for (const r of ['invalid-index', 'duplicate-index', 'fk-without-index', 'missing-index', 'slow-query']) expect(rules, r).toContain(r);
    expect(doc.data.checks.every((c: any) => c.status !== 'failed')).toBe(true);
    expect(code).toBe(1); // the fixture's invalid index is an error finding
  });

  it('evidence carries the SQL of a check only with --verbose', async () => {
    const quiet = await analyze(db.url, ['--fail-on', 'never']);
    expect(JSON.stringify(quiet.doc.findings)).not.toMatch(/"sql":/);
  });

  it('as a role with only pg_monitor: nothing fails, what it cannot see is skipped with the grant', async () => {
    const role = `perfkit_mon_${process.pid}`;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN PASSWORD 'mon-pw' IN ROLE pg_monitor; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    try {
      const url = new URL(db.url);
      url.username = role;
      url.password = 'mon-pw';
      const { doc } = await analyze(url.toString(), ['--fail-on', 'never']);
      expect(doc.data.checks.filter((c: any) => c.status === 'failed')).toEqual([]);
      for (const c of doc.data.checks.filter((x: any) => x.status === 'skipped')) expect(c.grant, c.id).toBeTruthy();
      expect(JSON.stringify(doc)).not.toContain('mon-pw');
    } finally {
      await admin.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER; DROP OWNED BY ${role}; DROP ROLE ${role}`);
      await admin.end();
    }
  });
});

describe('db analyze when the server restarts mid-report', () => {
  const cluster = `perfkitrestart${process.pid % 1000}`;
  const port = 5400 + (process.pid % 30);
  const ctl = (...args: string[]) => execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', '15', cluster, ...args], { stdio: 'ignore' });
  beforeAll(() => {
    execFileSync('pg_createcluster', ['15', cluster, '-p', String(port), '--', '--auth=trust'], { stdio: 'ignore' });
    ctl('start');
  }, 60_000);
  afterAll(() => {
    execFileSync('pg_dropcluster', ['15', cluster, '--stop'], { stdio: 'ignore' });
  });

  it('exits 3 with a clear message and prints no partial JSON', async () => {
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const holder = new pg.Client({ connectionString: url });
    holder.on('error', () => {});
    await holder.connect();
    await holder.query('CREATE TABLE held (id int PRIMARY KEY)');
    // An open transaction holding ACCESS EXCLUSIVE makes perfkit's size queries wait: the restart lands mid-report.
    await holder.query('BEGIN; LOCK TABLE held IN ACCESS EXCLUSIVE MODE');
    const child = spawn(process.execPath, [bin, 'db', 'analyze', '--db', url, '--format', 'json', '--lock-timeout', '60s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    for (let i = 0; i < 200; i++) {
      const { rows } = await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'perfkit' AND wait_event_type = 'Lock'`);
      if (rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await watcher.end();
    ctl('restart', '-m', 'immediate');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    await holder.end().catch(() => {});
    expect(code, stderr).toBe(3);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^perfkit: lost the connection to PostgreSQL at 127\.0\.0\.1:\d+.*Fix: /);
  }, 60_000);
});
