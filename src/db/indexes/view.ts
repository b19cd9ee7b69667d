// The human view of `db indexes`: each recommendation's DDL first, then why (costs, queries, time
// saved, size, write overhead); then every rejected query with its reason; then what --create did.
import type { Section } from '../../report/model.js';
import { formatBytes, formatNumber } from '../../util/units.js';
import type { Created } from './create.js';
import type { CostMethod, Recommendation, Rejection } from './model.js';

export interface IndexesData {
  method: CostMethod;
  plansMade: number;
  analysed: number;
  /** pg_stat_statements entries that read only system catalogs, left out of the analysis. */
  ignoredCatalogQueries: number;
  thresholds: { minSavingPct: number; minCost: number; maxIndexes?: number; minRows: number; maxColumns: number };
  recommendations: Recommendation[];
  rejected: Rejection[];
  /** fingerprint → the query and its weight, so recommendations and rejections can be read alone. */
  queries: Record<string, { query: string; calls: number; meanMs: number; source: string }>;
  health: { statsReset: string | null; notes: string[]; replicas: string[] };
  created?: Created[];
}

const short = (sql: string, n = 70) => {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

function recommendationText(r: Recommendation, data: IndexesData): string {
  const costs = r.costBefore !== null && r.costAfter !== null
    ? `cost ${formatNumber(r.costBefore)} → ${formatNumber(r.costAfter)} (${r.savingPct === null ? '–' : `${Math.round(r.savingPct)}% less`}, ${r.method})`
    : `not costed (${r.method})`;
  const saved = r.msSavedPerHour === null ? '' : `, saves ~${formatNumber(Math.round(r.msSavedPerHour))} ms/hour`;
  const size = r.sizeBytes === null ? '' : `; ~${formatBytes(r.sizeBytes)}`;
  const queries = r.queries.map((fp) => `    · ${short(data.queries[fp]?.query ?? fp)}`).join('\n');
  return [r.ddl, `  why: ${r.why}`, `  ${costs}${saved}${size}`, `  writes: ${r.writeOverhead}`, `  serves ${r.queries.length} quer${r.queries.length === 1 ? 'y' : 'ies'}:`, queries].join('\n');
}

export function indexesView(data: IndexesData): Section[] {
  const out: Section[] = [];
  out.push({
    title: `Recommendations (${data.recommendations.length}; costed with ${data.method}, ${formatNumber(data.plansMade)} plans for ${data.analysed} queries)`,
    kind: 'text',
    text: data.recommendations.length ? data.recommendations.map((r) => recommendationText(r, data)).join('\n\n') : 'No new index pays off for this workload.',
  });
  if (data.rejected.length) {
    out.push({
      title: `Not indexed (${data.rejected.length})`,
      kind: 'table',
      columns: ['query', 'reason'],
      rows: data.rejected.map((r) => [short(r.query, 60), r.reason]),
    });
  }
  if (data.created?.length) {
    out.push({ title: 'Created', kind: 'table', columns: ['index', 'status', 'ms'], rows: data.created.map((c) => [c.ddl, c.error ? `${c.status}: ${c.error}` : c.status, Math.round(c.ms)]) });
  }
  if (data.health.notes.length) out.push({ title: 'Health notes', kind: 'text', text: data.health.notes.map((n) => `· ${n}`).join('\n') });
  return out;
}
