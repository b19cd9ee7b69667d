// The 0–100 score of `db analyze`, overall and per section, from the findings. Pure and documented:
// a section starts at 100 and loses points per finding by severity (error 25, warn 8, info 0), never
// below 0; a section that could not run scores null and is left out. The overall score is the
// weighted mean of the sections that ran.
import type { Finding } from '../../report/model.js';

export type SectionId = 'slow-queries' | 'plans' | 'index-advice' | 'index-health' | 'health';

export const SECTION_WEIGHTS: Record<SectionId, number> = {
  health: 0.35,
  'index-health': 0.2,
  'index-advice': 0.15,
  'slow-queries': 0.15,
  plans: 0.15,
};

export const PENALTY = { error: 25, warn: 8, info: 0 } as const;

export interface SectionScore {
  id: SectionId;
  score: number | null;
  findings: { error: number; warn: number; info: number };
  /** Why the score is null: the section did not run (pg_stat_statements missing, …). */
  skipped?: string;
}

export function sectionScore(id: SectionId, findings: Finding[], skipped?: string): SectionScore {
  const count = { error: 0, warn: 0, info: 0 };
  for (const f of findings) count[f.severity]++;
  if (skipped) return { id, score: null, findings: count, skipped };
  const lost = count.error * PENALTY.error + count.warn * PENALTY.warn;
  return { id, score: Math.max(0, 100 - lost), findings: count };
}

export function overallScore(sections: SectionScore[]): number {
  const ran = sections.filter((s) => s.score !== null);
  const weight = ran.reduce((n, s) => n + SECTION_WEIGHTS[s.id], 0);
  if (!weight) return 0;
  return Math.round(ran.reduce((n, s) => n + (s.score as number) * SECTION_WEIGHTS[s.id], 0) / weight);
}
