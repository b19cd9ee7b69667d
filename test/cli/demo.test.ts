// `perfkit demo` end to end: embedded PostgreSQL, seeded shop, workload, explained slow queries.
import { describe, expect, it } from 'vitest';
import { expectOneLineError, parseReport, runCli } from '../helpers/cli.js';

describe('perfkit demo', () => {
  it('runs with no server, explains the slowest queries and finds the planted problems', async () => {
    // --top 10 explains every query: which 5 are slowest depends on timing, the findings must not.
    const r = await runCli(['demo', '--top', '10', '--format', 'json'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const doc = parseReport(r.stdout);
    expect(doc.command).toBe('demo');
    expect(doc.summary.rows).toBeGreaterThanOrEqual(100_000);
    expect(doc.summary.queries).toBe(10);
    expect(doc.summary.explained).toBe(10);
    const totals = doc.data.workload.map((w: any) => w.totalMs);
    expect(totals).toEqual([...totals].sort((a: number, b: number) => b - a)); // slowest first
    expect(doc.data.workload.every((w: any) => w.calls === 3 && w.totalMs > 0)).toBe(true); // joined with pg_stat_statements
    const at = (rule: string, query: string) => doc.findings.some((f: any) => f.rule === rule && f.location.startsWith(`${query}:`));
    expect(at('large-offset', 'admin-orders-page')).toBe(true);
    expect(at('seq-scan-filter', 'daily-event-counts')).toBe(true);
    expect(at('seq-scan-filter', 'customer-search')).toBe(true);
    expect(doc.findings.some((f: any) => f.rule === 'stale-stats')).toBe(false); // seeded data is analyzed
    // db analyze on the demo: a score, the health checks, trial-costed advice for the planted missing
    // indexes, the duplicate index, and the foreign key without an index
    expect(doc.summary.score).toBeGreaterThanOrEqual(0);
    expect(doc.summary.score).toBeLessThan(100);
    expect(doc.data.analyze.sections.map((s: any) => s.id).sort()).toEqual(['health', 'index-advice', 'index-health', 'plans', 'slow-queries']);
    expect(doc.data.analyze.checks.length).toBeGreaterThan(10);
    expect(doc.findings.some((f: any) => f.rule === 'fk-without-index')).toBe(true);
    const ddl = doc.data.analyze.indexes.recommendations.map((r: any) => r.ddl).join('\n');
    expect(ddl).toMatch(/ON public\.orders USING btree \(customer_id\)/);
    expect(ddl).toMatch(/ON public\.order_items USING btree \(product_id\)/);
    expect(ddl).toMatch(/ON public\.events USING btree \(created_at\)/);
    expect(doc.data.analyze.indexes.recommendations.every((r: any) => ['trial', 'uncosted'].includes(r.method))).toBe(true);
    expect(doc.findings.some((f: any) => f.rule === 'duplicate-index' && /reviews/.test(f.message))).toBe(true);
  });

  it('prints sections in the table format', async () => {
    const r = await runCli(['demo'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const explained = r.stdout.split('Explained with')[1].split('Summary')[0];
    const names = ['customer-order-history', 'admin-orders-page', 'daily-event-counts', 'customer-search', 'login-by-email',
      'city-order-stats', 'product-sales', 'top-products-last-quarter', 'product-reviews', 'order-detail'];
    expect(names.filter((n) => explained.includes(`│ ${n} `))).toHaveLength(5); // the default explains the top 5
    expect(r.stdout).toContain('Workload from pg_stat_statements');
    expect(r.stdout).toContain('Explained with EXPLAIN (ANALYZE, BUFFERS)');
  });

  it('rejects a bad --top', async () => {
    const r = await runCli(['demo', '--top', 'many']);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r)).toMatch(/--top 'many'/);
  });
});

describe('db explain --db embedded', () => {
  it('explains against the embedded server', async () => {
    const r = await runCli(['db', 'explain', 'SELECT count(*) FROM generate_series(1, 1000)', '--db', 'embedded', '--analyze', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = parseReport(r.stdout);
    expect(doc.target.display).toBe('embedded PostgreSQL');
    expect(doc.environment.postgresVersionNum).toBeGreaterThanOrEqual(170000);
  });
});
