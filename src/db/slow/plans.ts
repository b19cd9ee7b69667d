// Lints the auto_explain plans attached to slow queries with the `db explain` rules, so a log says not
// only which query was slow but why. A plan that does not parse is skipped (auto_explain output varies).
import type { Finding } from '../../report/model.js';
import type { SlowQueryRow } from './finish.js';

export async function lintSlowPlans(queries: SlowQueryRow[]): Promise<Finding[]> {
  const withPlans = queries.filter((q) => q.plan);
  if (!withPlans.length) return [];
  const [{ parsePlanInput }, { lintPlan }] = await Promise.all([import('../explain/parse.js'), import('../explain/lint.js')]);
  const out: Finding[] = [];
  for (const q of withPlans) {
    try {
      const plan = parsePlanInput(q.plan!.text, q.plan!.at);
      for (const f of lintPlan(plan)) {
        if (f.rule === 'no-analyze') continue;
        out.push({ ...f, location: `${q.fingerprint} (${q.plan!.at}): ${f.location ?? 'plan'}`, evidence: { ...f.evidence, fingerprint: q.fingerprint, query: q.query.slice(0, 200) } });
      }
    } catch {
      // not a plan our parsers read: the plan text stays in data.queries[].plan
    }
  }
  return out;
}
