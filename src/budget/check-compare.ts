// What a check's numbers mean: absolute budgets on the median over repetitions, regression budgets against
// the baseline's samples (Mann–Whitney U and a minimum effect, or a tolerance for single samples), and the
// environment differences between this run and the baseline's. Pure.
import type { BudgetResult, Report } from '../report/model.js';
import { compareSamples } from './baseline.js';
import type { CheckData, CheckRun, Fingerprint, RegressionOutcome, ResolvedCheck } from './check-model.js';
import { median } from './stats.js';

const name = (check: string, metric: string) => `${check}/${metric}`;

/** max/min budgets on the median of the per-repetition summary values. */
export function absoluteBudgets(check: ResolvedCheck, reports: Report[]): BudgetResult[] {
  const out: BudgetResult[] = [];
  for (const b of check.budgets) {
    if (b.max === undefined && b.min === undefined) continue;
    const values = reports.map((r) => r.summary[b.metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const actual = values.length ? round(median(values)) : null;
    const [operator, threshold] = b.max !== undefined ? (['<=', b.max] as const) : (['>=', b.min as number] as const);
    const ok = actual !== null && (operator === '<=' ? actual <= threshold : actual >= threshold);
    out.push({ metric: name(check.name, b.metric), operator, threshold, actual, level: b.level, status: actual === null ? 'missing' : ok ? 'pass' : 'fail', source: `${check.key}.budgets${values.length > 1 ? ` (median of ${values.length} runs)` : ''}` });
  }
  return out;
}

/** Regression budgets against the same check in the baseline. Without a baseline, none are evaluated. */
export function regressionBudgets(check: ResolvedCheck, samples: Record<string, number[]>, base: CheckRun | undefined, alpha: number): { results: BudgetResult[]; outcomes: RegressionOutcome[] } {
  const results: BudgetResult[] = [];
  const outcomes: RegressionOutcome[] = [];
  for (const b of check.budgets) {
    if (b.regression === undefined || !b.better) continue;
    const metric = name(check.name, b.metric);
    const before = base?.samples?.[b.metric];
    const now = samples[b.metric];
    if (!before?.length || !now?.length) {
      const why = !base ? `the baseline has no check '${check.name}'` : !before?.length ? `the baseline has no samples of ${b.metric}` : `this run has no ${b.metric}`;
      results.push({ metric, operator: 'regression', threshold: b.regression, actual: null, level: 'warn', status: 'missing', source: `${why}; save a new baseline (--save-baseline) to compare it` });
      continue;
    }
    const r = compareSamples(before, now, { metric: b.metric, better: b.better, minEffect: b.regression, alpha, minEffectAbs: b.minChange });
    const level = r.status === 'inconclusive' ? (b.inconclusive === 'fail' ? 'error' : 'warn') : b.level;
    outcomes.push({ ...r, check: check.name, level, verdict: r.status });
    results.push({
      metric,
      operator: 'regression',
      threshold: b.regression,
      actual: Number.isFinite(r.change) ? round(r.change, 4) : null,
      level,
      status: r.status,
      source: r.reason,
    });
  }
  return { results, outcomes };
}

const FIELDS: Array<keyof Fingerprint> = ['cpuModel', 'cpus', 'platform', 'node', 'perfkit', 'postgres', 'redis', 'chromium', 'lighthouse'];

/** The fingerprint fields that differ, where both sides know them: "cpus: 2 → 8". */
export function diffFingerprint(base: Fingerprint | null | undefined, now: Fingerprint): string[] {
  if (!base) return ['the baseline has no environment fingerprint'];
  return FIELDS.filter((f) => base[f] !== undefined && now[f] !== undefined && String(base[f]) !== String(now[f])).map((f) => `${f}: ${base[f]} → ${now[f]}`);
}

/** Reads a previous combined report as a baseline; a different schema or command is an input error. */
export function baselineChecks(raw: unknown, file: string, schemaVersion: number): { ok: true; data: CheckData; startedAt: string } | { ok: false; why: string } {
  const r = raw as { schemaVersion?: unknown; command?: unknown; data?: { checks?: unknown; fingerprint?: unknown }; startedAt?: unknown } | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return { ok: false, why: `${file} is not a perfkit report` };
  if (r.schemaVersion !== schemaVersion) return { ok: false, why: `${file} has report schemaVersion ${JSON.stringify(r.schemaVersion ?? null)}; this perfkit reads ${schemaVersion}` };
  if (r.command !== 'check') return { ok: false, why: `${file} is a 'perfkit ${String(r.command)}' report, not a 'perfkit check' report` };
  if (!r.data || !Array.isArray(r.data.checks)) return { ok: false, why: `${file} has no data.checks` };
  return { ok: true, data: r.data as CheckData, startedAt: String(r.startedAt ?? '') };
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
