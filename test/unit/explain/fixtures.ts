// Loads the captured plans in fixtures/pg/plans (see scripts/capture-plans.sh).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePlanInput } from '../../../src/db/explain/parse.js';
import type { Plan, TableStats } from '../../../src/db/explain/model.js';

export const PLANS_DIR = fileURLToPath(new URL('../../../fixtures/pg/plans/', import.meta.url));

export const readFixture = (name: string): string => readFileSync(PLANS_DIR + name, 'utf8');

export const loadPlan = (name: string): Plan => parsePlanInput(readFixture(name), name);

/** Every captured case that has both a .json and a plain .txt capture. */
export const PAIRS: string[] = readdirSync(PLANS_DIR)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.tables.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .filter((base) => readdirSync(PLANS_DIR).includes(`${base}.txt`));

export const tableStats = (): TableStats[] => JSON.parse(readFixture('stale-stats.tables.json')) as TableStats[];
