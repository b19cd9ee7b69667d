// The SQL that plans a statement whose $n placeholders have no values (text copied from
// pg_stat_statements): EXPLAIN (GENERIC_PLAN) on PostgreSQL 16+; before that, PREPARE then
// EXPLAIN EXECUTE name(NULL, …) under plan_cache_mode = force_generic_plan, which the caller sets in
// its transaction, then DEALLOCATE. Shared by `db explain` and the index costers. Pure.

export type PlanMethod = 'explain' | 'generic-plan' | 'prepare-generic';

export interface PlanSql {
  method: PlanMethod;
  prepare?: string;
  explain: string;
  deallocate?: string;
}

export const TAG = '/* perfkit */ ';

/** `options` is the EXPLAIN option list without GENERIC_PLAN, e.g. "FORMAT JSON, VERBOSE". */
export function planSql(sql: string, paramCount: number, versionNum: number, options: string, name: string): PlanSql {
  if (paramCount === 0) return { method: 'explain', explain: `${TAG}EXPLAIN (${options}) ${sql}` };
  if (versionNum >= 160000) return { method: 'generic-plan', explain: `${TAG}EXPLAIN (${options}, GENERIC_PLAN) ${sql}` };
  const nulls = Array.from({ length: paramCount }, () => 'NULL').join(', ');
  return {
    method: 'prepare-generic',
    prepare: `${TAG}PREPARE ${name} AS ${sql}`,
    explain: `${TAG}EXPLAIN (${options}) EXECUTE ${name}(${nulls})`,
    deallocate: `DEALLOCATE ${name}`,
  };
}
