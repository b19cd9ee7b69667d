// The shapes of `perfkit check`: a resolved check, what one check produced, the environment fingerprint,
// and the combined report's data (which is also what --baseline reads back).
import type { BudgetLevel, BudgetResult, Report } from '../report/model.js';
import type { RegressionResult } from './baseline.js';

/** A check from the config, resolved: the perfkit command line it runs and its budgets. */
export interface ResolvedCheck {
  name: string;
  /** The command words, e.g. "db explain". */
  command: string;
  /** Everything after `perfkit`: the command words, then its arguments, targets filled in. */
  argv: string[];
  repeat: number;
  budgets: CheckBudget[];
  /** Where in the config it came from, for errors: "checks[2]". */
  key: string;
}

export interface CheckBudget {
  metric: string;
  max?: number;
  min?: number;
  /** Smallest relative worsening that matters (0.1 = 10 %), compared with the baseline. */
  regression?: number;
  level: BudgetLevel;
  better?: 'lower' | 'higher';
  /** What an inconclusive comparison does: warn (default) or fail. */
  inconclusive?: 'warn' | 'fail';
  /** An absolute change smaller than this (in the metric's unit) never fails. */
  minChange?: number;
  key: string;
}

export interface Fingerprint {
  perfkit: string;
  node: string;
  platform: string;
  cpuModel: string;
  cpus: number;
  memoryBytes: number;
  /** Server and browser versions seen by the checks' own reports, when they ran. */
  postgres?: string;
  redis?: string;
  chromium?: string;
  lighthouse?: string;
}

/** A regression budget's outcome, with the statistics behind it. */
export interface RegressionOutcome extends RegressionResult {
  check: string;
  level: BudgetLevel;
  /** pass, fail, or inconclusive; `level` says whether inconclusive warns or fails. */
  verdict: 'pass' | 'fail' | 'inconclusive' | 'missing';
}

export interface CheckRun {
  name: string;
  command: string;
  argv: string[];
  repeat: number;
  /** pass/warn/fail from its budgets and findings; error when the command could not run. */
  status: 'pass' | 'warn' | 'fail' | 'error';
  error?: { kind: string; message: string };
  durationMs: number;
  /** Every run's report envelope, in order. */
  reports: Report[];
  /** Per summary metric, one value per sample: per repetition, or per Lighthouse run / load-test second where those exist. */
  samples: Record<string, number[]>;
  /** The check's absolute budgets (max/min) on the median over repetitions, and its regression budgets. */
  budgets: BudgetResult[];
  regressions: RegressionOutcome[];
}

export interface BaselineInfo {
  file: string;
  startedAt: string;
  fingerprint: Fingerprint | null;
  /** Fingerprint fields that differ: "cpuModel: Intel … → AMD …". */
  envDiff: string[];
}

export interface CheckData {
  fingerprint: Fingerprint;
  checks: CheckRun[];
  baseline: BaselineInfo | null;
  /** --list: what would run, nothing ran. */
  listed?: Array<{ name: string; command: string; argv: string[]; repeat: number; budgets: string[] }>;
  /** --calibrate N: proposed regression tolerances from the observed spread. */
  calibration?: Array<{ check: string; metric: string; n: number; median: number; relSpread: number; proposedRegression: number; note: string }>;
}
