// EXPLAINs workload queries on one client inside an open transaction, one savepoint each, so that one
// failing query costs only itself. Generic plans for $n: EXPLAIN (GENERIC_PLAN) on PostgreSQL 16+, else
// a fresh PREPARE per plan (a statement prepared before a hypothetical index was made keeps its cached
// plan and never sees it), plan_cache_mode = force_generic_plan, EXPLAIN EXECUTE with NULLs, DEALLOCATE.
import { isConnectionLoss, type PgSession } from '../../../connectors/postgres.js';
import { planFromExplainJson } from '../../explain/parse.js';
import type { Costing, WorkloadQuery } from '../model.js';
import { uniqueQueries, type CostSetResult } from './coster.js';
import { pgParser, soleStatement } from '../../statement.js';
import { planSql } from '../../explain/generic-plan.js';

export { TAG } from '../../explain/generic-plan.js';

export interface PlanCost {
  cost: number;
  /** "Index Name" of every index scan in the plan. */
  indexNames: string[];
}

export interface SessionOptions {
  readOnly: boolean;
  statementTimeoutMs: number;
  lockTimeoutMs?: number;
  versionNum: number;
}

let statementSeq = 0;

/** Opens the transaction every costing runs in; the caller always ends it with ROLLBACK. */
export async function beginCosting(client: PgSession, o: SessionOptions): Promise<void> {
  const sets = [`SET LOCAL statement_timeout = ${Math.max(1, Math.round(o.statementTimeoutMs))}`];
  if (o.lockTimeoutMs !== undefined) sets.push(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(o.lockTimeoutMs))}`);
  sets.push('SET LOCAL plan_cache_mode = force_generic_plan');
  await client.query(`${o.readOnly ? 'BEGIN TRANSACTION READ ONLY' : 'BEGIN'}; ${sets.join('; ')}`);
}

export async function rollback(client: PgSession): Promise<void> {
  await client.query('ROLLBACK').catch(() => {});
}

/** One plan's total cost and index names, or the server's message when EXPLAIN failed. Connection loss throws. */
export async function explainCost(client: PgSession, q: WorkloadQuery, versionNum: number): Promise<PlanCost | { error: string }> {
  // A log line could carry `SELECT …; DROP …`: exactly one statement goes after EXPLAIN or PREPARE.
  const st = soleStatement(await pgParser(), q.query);
  if ('error' in st) return { error: st.error };
  const params = Math.max(q.paramCount, st.paramCount);
  const p = planSql(st.sql, params, versionNum, 'FORMAT JSON', `perfkit_cost_${++statementSeq}`);
  let prepared: string | undefined;
  await client.query('SAVEPOINT perfkit_plan');
  try {
    if (p.prepare) {
      await client.query(p.prepare); // plan_cache_mode = force_generic_plan is set by beginCosting
      prepared = p.deallocate;
    }
    const { rows } = await client.query(p.explain);
    await client.query('RELEASE SAVEPOINT perfkit_plan');
    return readPlan(rows[0]?.['QUERY PLAN']);
  } catch (e) {
    if (isConnectionLoss(e)) throw e;
    await client.query('ROLLBACK TO SAVEPOINT perfkit_plan');
    return { error: serverMessage(e) };
  } finally {
    if (prepared) await client.query(prepared);
  }
}

function readPlan(json: unknown): PlanCost | { error: string } {
  try {
    const plan = planFromExplainJson(json);
    const cost = plan.root.costs?.total;
    if (cost === undefined) return { error: 'EXPLAIN returned no cost' };
    const indexNames = plan.nodes.map((n) => n.indexName).filter((n): n is string => n !== undefined);
    return { cost, indexNames };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The server's words, with its SQLSTATE-named cause when it is a timeout. */
export function serverMessage(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const msg = err?.message ?? String(e);
  return err?.code === '57014' ? `${msg} (statement_timeout)` : msg;
}

/** EXPLAINs each query once on a session where the candidate indexes exist (hypothetical or trial),
 *  mapping the index names its plan uses back to candidate keys. Failures are kept per query. */
export async function costQueries(
  client: PgSession,
  queries: WorkloadQuery[],
  built: { names: Map<string, string>; uncosted: Array<{ key: string; reason: string }> },
  versionNum: number,
  countPlan: () => void,
): Promise<CostSetResult> {
  const res: CostSetResult = { costings: new Map(), failures: new Map() };
  for (const q of uniqueQueries(queries)) {
    countPlan();
    const plan = await explainCost(client, q, versionNum);
    if ('error' in plan) {
      res.failures.set(q.fingerprint, plan.error);
      continue;
    }
    const used = [...new Set(plan.indexNames.map((n) => built.names.get(n)).filter((k): k is string => k !== undefined))];
    const costing: Costing = { fingerprint: q.fingerprint, cost: plan.cost, used };
    if (built.uncosted.length) costing.uncosted = built.uncosted;
    res.costings.set(q.fingerprint, costing);
  }
  return res;
}
