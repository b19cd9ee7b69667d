// Reads a budget file (YAML or JSON) and turns it, with --threshold flags and config budgets,
// into the thresholds that apply to one command.
import path from 'node:path';
import { configError } from '../cli/errors.js';
import { readDataFile } from '../config/load.js';
import { budgetFileSchema, validate, type BudgetSpec } from '../config/schema.js';
import { budgetToThreshold, parseThreshold, type InlineThreshold } from './grammar.js';

export async function loadBudgetFile(file: string, cwd: string): Promise<BudgetSpec[]> {
  const abs = path.resolve(cwd, file);
  const raw = await readDataFile(abs, 'budget file');
  const r = validate(budgetFileSchema, raw);
  if (!r.ok) {
    const i = r.issues[0];
    throw configError(`${file}: ${i.path}: ${i.message}`, 'each budget is {metric, max|min|regression, level?}; see the README under "Budgets"');
  }
  return Array.isArray(r.value) ? r.value : r.value.budgets;
}

export function collectThresholds(opts: {
  command: string;
  inline: string[];
  fileBudgets: Array<{ spec: BudgetSpec; source: string }>;
}): InlineThreshold[] {
  const out: InlineThreshold[] = [];
  for (const { spec, source } of opts.fileBudgets) {
    if (spec.command && spec.command !== opts.command) continue;
    if (spec.regression !== undefined) continue; // regression budgets need a baseline: `perfkit check`
    const t = budgetToThreshold(spec, source);
    if (t) out.push(t);
  }
  for (const expr of opts.inline) out.push(parseThreshold(expr));
  return out;
}
