#!/usr/bin/env node
// Index advisor benchmark: 100 distinct queries over a 20-table schema, analysed on the real PostgreSQL
// with HypoPG through the same pipeline as `perfkit db indexes` (advise): catalog snapshot, candidates,
// baselines, every candidate against every query on its table, the greedy choice, the final costing
// with every pick present, and size estimates. Its anchor,
// timed in the same run: one plain EXPLAIN of each query (the least any EXPLAIN-based advisor must do).
// Prints seconds and the number of hypothetical plans made; exits 1 when the advisor takes longer than
// the limit (15 s). Builds its own scratch database (dropped afterwards unless --keep).
//
// Needs a build first:   npm run build && node bench/index-advisor.mjs [--db postgres://…] [--max-s 15] [--keep] [--json]
import { existsSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const adminUrl = opt('--db', process.env.PERFKIT_TEST_PG_URL || 'postgres://perfkit:perfkit@127.0.0.1:5432/perfkit_test');
const maxS = Number(opt('--max-s', 15));
const keep = args.includes('--keep');
const asJson = args.includes('--json');
const TABLES = 20;
const DB = 'perfkit_bench_indexes';

const dist = new URL('../dist/', import.meta.url);
if (!existsSync(new URL('db/indexes/advisor/choose.js', dist))) {
  console.error('bench/index-advisor: dist/ is missing or old; run `npm run build` first');
  process.exit(2);
}
const load = (p) => import(new URL(p, dist).href);
const { connectPostgres, resolvePgTarget } = await load('connectors/postgres.js');
const { fetchCatalog } = await load('db/indexes/catalog.js');
const { createHypopgCoster } = await load('db/indexes/costing/hypopg.js');
const { DEFAULT_THRESHOLDS } = await load('db/indexes/advisor/choose.js');
const { advise } = await load('db/indexes/advisor/advise.js');

// ---- the scratch database: 20 tables, 20k–58k rows each, linked by parent_id -------------------------
const t = (i) => `t${String(i).padStart(2, '0')}`;
async function buildSchema(url) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${DB}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  await c.query('CREATE EXTENSION hypopg');
  for (let i = 1; i <= TABLES; i++) {
    const rows = 20_000 + i * 2_000;
    await c.query(`CREATE TABLE ${t(i)} (id bigint PRIMARY KEY, parent_id int NOT NULL, a int NOT NULL, b int NOT NULL,
        c text NOT NULL, d timestamptz NOT NULL, e numeric(12,2), f text);
      INSERT INTO ${t(i)} SELECT g, 1 + (g * 7) % 20000, g % ${500 + i * 50}, g % 40, (ARRAY['open','done','done','done','cancelled'])[1 + g % 5],
        timestamptz '2024-01-01' + g * interval '1 minute', (g % 997) / 3.0, md5(g::text) FROM generate_series(1, ${rows}) g`);
  }
  await c.query('ANALYZE');
  return { url: u.toString(), client: c };
}

/** 100 distinct queries, five shapes per table: equality, equality + range, constant + sort, join, range. */
function workload() {
  const out = [];
  for (let i = 1; i <= TABLES; i++) {
    const next = t((i % TABLES) + 1);
    const shapes = [
      [`SELECT * FROM ${t(i)} WHERE a = $1`, 1],
      [`SELECT id, e FROM ${t(i)} WHERE b = $1 AND d > $2`, 2],
      [`SELECT id, d FROM ${t(i)} WHERE c = 'cancelled' ORDER BY d DESC LIMIT 20`, 0],
      [`SELECT x.id, y.e FROM ${t(i)} x JOIN ${next} y ON y.parent_id = x.id WHERE x.a = $1`, 1],
      [`SELECT count(*) FROM ${t(i)} WHERE d BETWEEN $1 AND $2`, 2],
    ];
    shapes.forEach(([query, paramCount], k) => {
      const calls = 50 + ((i * 37 + k * 11) % 500);
      const meanMs = 1 + ((i * 13 + k * 7) % 40);
      out.push({ fingerprint: `q${i}_${k}`, query, paramCount, calls, meanMs, totalMs: calls * meanMs, source: 'pg_stat_statements' });
    });
  }
  return out;
}

// ---- the run: the same pipeline as `perfkit db indexes` (advise), timed as a whole -------------------
const setupStart = performance.now();
const scratch = await buildSchema(adminUrl);
const setupS = (performance.now() - setupStart) / 1000;
const conn = await connectPostgres(resolvePgTarget({ flag: scratch.url }, {}), { statementTimeoutMs: 10_000, lockTimeoutMs: 2_000, connectTimeoutMs: 5_000 });
const queries = workload();
let result;
try {
  // Anchor: one plain EXPLAIN per query, on one client (generic plans where there are $n, as the advisor makes).
  const anchorStart = performance.now();
  const coster0 = await createHypopgCoster(conn, { statementTimeoutMs: 10_000 });
  await coster0.costSet(queries, []);
  await coster0.close();
  const anchorS = (performance.now() - anchorStart) / 1000;

  const t0 = performance.now();
  const catalog = await fetchCatalog(conn);
  const tCatalog = performance.now();
  let coster;
  const advice = await advise(catalog, queries, async () => (coster = await createHypopgCoster(conn, { statementTimeoutMs: 10_000 })), {
    thresholds: DEFAULT_THRESHOLDS, minRows: 1000, maxColumns: 3, statsAgeHours: 24,
  });
  const tEnd = performance.now();
  const served = new Set(advice.recommendations.flatMap((r) => r.queries));
  const byCode = {};
  for (const r of advice.rejected) byCode[r.code] = (byCode[r.code] ?? 0) + 1;
  result = {
    queries: queries.length,
    tables: Object.keys(catalog.tables).length,
    hypotheticalPlans: coster.plansMade,
    recommendations: advice.recommendations.length,
    queriesServed: served.size,
    rejected: byCode,
    accountedFor: served.size + advice.rejected.length,
    seconds: { total: (tEnd - t0) / 1000, catalog: (tCatalog - t0) / 1000, advise: (tEnd - tCatalog) / 1000, anchorPlainExplains: anchorS, setupNotTimed: setupS },
    maxSeconds: maxS,
    environment: { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, server: conn.info.version.split(' on ')[0] },
    top: advice.recommendations.slice(0, 5).map((r) => ({ ddl: r.ddl, queries: r.queries.length, savingPct: r.savingPct, msSavedPerHour: r.msSavedPerHour })),
  };
} finally {
  await conn.close();
  await scratch.client.end();
  if (!keep) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin.end();
  }
}

const ok = result.seconds.total <= maxS;
if (asJson) {
  console.log(JSON.stringify({ ...result, ok }, null, 2));
} else {
  const s = result.seconds;
  console.log(`index advisor: ${result.queries} distinct queries over ${result.tables} tables (the db indexes pipeline)`);
  console.log(`  ${result.hypotheticalPlans} hypothetical plans (HypoPG)`);
  console.log(`  total ${s.total.toFixed(2)} s  (catalog ${s.catalog.toFixed(2)}, analyse + cost + choose ${s.advise.toFixed(2)})`);
  console.log(`  anchor: ${result.queries} plain EXPLAINs ${s.anchorPlainExplains.toFixed(2)} s (ratio ${(s.total / s.anchorPlainExplains).toFixed(1)}×); schema setup ${s.setupNotTimed.toFixed(1)} s, not timed`);
  console.log(`  ${result.recommendations} recommendations serving ${result.queriesServed} queries; rejected ${JSON.stringify(result.rejected)}; ${result.accountedFor}/${result.queries} queries accounted for`);
  for (const r of result.top) console.log(`    ${r.ddl}  (${r.queries} ${r.queries === 1 ? "query" : "queries"}, −${r.savingPct}%, ${r.msSavedPerHour} ms/h)`);
  console.log(`  ${result.environment.server}; node ${result.environment.node}; ${result.environment.cpus} × ${result.environment.cpu}`);
  console.log(ok ? `  OK: under ${maxS} s` : `  FAIL: over ${maxS} s`);
}
process.exit(ok ? 0 : 1);
