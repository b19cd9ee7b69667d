// The Report envelope every command returns, and the helpers that build it.
// Renderers, budgets and `perfkit check` all read this one shape.

export const SCHEMA_VERSION = 1;

export type Status = 'pass' | 'warn' | 'fail';
export type Severity = 'error' | 'warn' | 'info';
export type BudgetLevel = 'error' | 'warn';
export type BudgetOperator = '<' | '<=' | '>' | '>=' | '==' | 'regression';

export interface Finding {
  rule: string;
  severity: Severity;
  title: string;
  message: string;
  /** Where: a plan node path, a table, a key, a URL. */
  location?: string;
  evidence?: Record<string, unknown>;
  fix?: string;
}

export interface BudgetResult {
  metric: string;
  operator: BudgetOperator;
  threshold: number;
  actual: number | null;
  level: BudgetLevel;
  /** inconclusive: a regression budget whose samples cannot tell (its level says whether that warns or fails). */
  status: 'pass' | 'fail' | 'missing' | 'inconclusive';
  source?: string;
}

export type Summary = Record<string, number>;

export interface Report<D = unknown> {
  schemaVersion: number;
  tool: { name: 'perfkit'; version: string };
  command: string;
  status: Status;
  startedAt: string;
  durationMs: number;
  target: Record<string, unknown>;
  environment: Record<string, unknown>;
  summary: Summary;
  findings: Finding[];
  budgets: BudgetResult[];
  data: D;
}

/** What a command module returns; cli/main.ts stamps tool, timing and status. */
export interface CommandResult<D = unknown> {
  command: string;
  target?: Record<string, unknown>;
  environment?: Record<string, unknown>;
  summary: Summary;
  findings: Finding[];
  /** Budgets the command evaluated itself, on more than the summary (Lighthouse's budget.json and
   *  assertions, per URL and run); main adds them to the thresholds and budget-file results. */
  budgets?: BudgetResult[];
  data: D;
}

export function countFindings(findings: Finding[]): Summary {
  return {
    'findings.error': findings.filter((f) => f.severity === 'error').length,
    'findings.warn': findings.filter((f) => f.severity === 'warn').length,
  };
}

export type FailOn = 'error' | 'warn' | 'never';

/** The status a report earns from its findings and budgets, given --fail-on. */
export function statusOf(findings: Finding[], budgets: BudgetResult[], failOn: FailOn): Status {
  const budgetFail = budgets.some((b) => b.status !== 'pass' && b.level === 'error');
  const budgetWarn = budgets.some((b) => b.status !== 'pass' && b.level === 'warn');
  const hasError = findings.some((f) => f.severity === 'error');
  const hasWarn = findings.some((f) => f.severity === 'warn');
  if (budgetFail) return 'fail';
  if (failOn === 'error' && hasError) return 'fail';
  if (failOn === 'warn' && (hasError || hasWarn || budgetWarn)) return 'fail';
  if (hasError || hasWarn || budgetWarn) return 'warn';
  return 'pass';
}

/** A human view of part of `data`, for the table and markdown renderers. Built from the same
 *  data JSON prints, by a pure function the command supplies. */
export type Section =
  | { title: string; kind: 'table'; columns: string[]; rows: Array<Array<string | number | null>>; align?: Array<'left' | 'right'> }
  | { title: string; kind: 'text'; text: string }
  | { title: string; kind: 'chart'; chart: Chart };

/** A chart for formats that can draw (html); text formats print its summary line instead. */
export interface Chart {
  type: 'line' | 'bar';
  xLabel: string;
  yLabel: string;
  /** One x per point; the series share them. */
  x: number[];
  /** Labels for x (e.g. "p99.9"); default: the numbers. */
  xTicks?: string[];
  series: Array<{ name: string; values: Array<number | null> }>;
  logX?: boolean;
  /** What text formats print instead of the chart. */
  summary: string;
}

// Method syntax makes the parameter bivariant, so a View<SpecificData> is a View<unknown>.
export type View<D = unknown> = { render(data: D): Section[] }['render'];
