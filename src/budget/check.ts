// `perfkit check`: runs the checks of perfkit.config.yaml (any perfkit command, `repeat: N` times), gates each
// on its budgets — absolute ones on the median, regression ones against a baseline with statistics — and
// returns one combined report holding every check's envelopes and samples, which is also the next baseline.
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandContext, CommandOutcome, Progress } from '../cli/context.js';
import { PerfkitError, configError, inputError, isPerfkitError, runtimeError } from '../cli/errors.js';
import { version } from '../cli/version.js';
import { SCHEMA_VERSION, type BudgetResult, type Finding, type Report } from '../report/model.js';
import { numberFlag } from '../util/flags.js';
import { calibrate } from './baseline.js';
import { resolveChecks, selectChecks } from './check-config.js';
import { absoluteBudgets, baselineChecks, diffFingerprint, regressionBudgets } from './check-compare.js';
import type { BaselineInfo, CheckData, CheckRun, Fingerprint, ResolvedCheck } from './check-model.js';
import { samplesOf } from './check-samples.js';
import { checkView } from './check-view.js';
import { parseCheck, runCheckOnce } from './check-run.js';

export interface CheckOptions {
  list?: boolean;
  only?: string[];
  baseline?: string;
  saveBaseline?: string;
  strictEnv?: boolean;
  calibrate?: string;
}

export async function run(ctx: CommandContext): Promise<CommandOutcome<CheckData>> {
  const o = ctx.options as CheckOptions;
  if (!ctx.settings.configPath) throw configError('no config file: perfkit check runs the checks of perfkit.config.yaml', 'run perfkit init to write one, or pass --config <file>');
  const where = path.relative(ctx.io.cwd, ctx.settings.configPath) || ctx.settings.configPath;
  const { parseArgsStringToArgv } = await import('string-argv');
  const checks = selectChecks(resolveChecks(ctx.settings.file, parseArgsStringToArgv, where), o.only);
  // Every command line is parsed before anything runs: a typo in the last check costs nothing.
  const parsed = await Promise.all(checks.map((c) => parseCheck(c, ctx.io, where)));
  const fingerprint = baseFingerprint();
  if (o.list) {
    const listed = checks.map((c) => ({ name: c.name, command: c.command, argv: c.argv, repeat: c.repeat, budgets: c.budgets.map(describeBudget) }));
    return outcome({ fingerprint, checks: [], baseline: null, listed }, [], [], {});
  }
  const rounds = o.calibrate !== undefined ? numberFlag(o.calibrate, '--calibrate', 5, { min: 2, integer: true }) : 1;
  const base = o.baseline !== undefined ? await readBaseline(path.resolve(ctx.io.cwd, o.baseline), o.baseline) : undefined;
  const alpha = ctx.settings.file.check?.alpha ?? 0.05;

  const runs: CheckRun[] = [];
  for (const [i, check] of checks.entries()) {
    if (ctx.signal.aborted) break;
    const started = Date.now();
    const reports: Report[] = [];
    let error: CheckRun['error'];
    try {
      for (let round = 0; round < rounds && !ctx.signal.aborted; round++) {
        for (let rep = 0; rep < check.repeat && !ctx.signal.aborted; rep++) {
          ctx.progress.start(`check ${i + 1}/${checks.length} ${check.name}${check.repeat > 1 ? ` run ${rep + 1}/${check.repeat}` : ''}${rounds > 1 ? ` (round ${round + 1}/${rounds})` : ''}`);
          const ran = await runCheckOnce(parsed[i], ctx, prefixed(ctx.progress, check.name));
          reports.push(ran.report);
          if (ran.failure) throw ran.failure;
          // A failed run's summary may lack metrics; the first complete one tells which the command has.
          if (reports.length === 1) assertMetrics(check, ran.report, where);
        }
      }
    } catch (e) {
      if (!isPerfkitError(e) || e.kind === 'usage' || e.kind === 'config' || e.kind === 'input' || e.kind === 'interrupted') throw relabel(e, check, where);
      error = { kind: e.kind, message: `${e.message}${e.hint ? ` (fix: ${e.hint})` : ''}` };
    }
    const samples = samplesOf(check.command, reports);
    const budgets: BudgetResult[] = [...absoluteBudgets(check, reports)];
    const baseRun = base?.data.checks.find((c) => c.name === check.name);
    const reg = base && rounds === 1 ? regressionBudgets(check, samples, baseRun, alpha) : { results: [], outcomes: [] };
    budgets.push(...reg.results);
    runs.push({ name: check.name, command: check.command, argv: check.argv, repeat: check.repeat, status: error ? 'error' : statusOf(reports, budgets), error, durationMs: Date.now() - started, reports, samples, budgets, regressions: reg.outcomes });
  }

  Object.assign(fingerprint, seenVersions(runs));
  const baseline: BaselineInfo | null = base ? { file: o.baseline as string, startedAt: base.startedAt, fingerprint: base.data.fingerprint ?? null, envDiff: diffFingerprint(base.data.fingerprint, fingerprint) } : null;
  const data: CheckData = { fingerprint, checks: runs, baseline };
  if (rounds > 1) data.calibration = calibration(checks, runs, rounds);
  const out = outcome(data, runs.flatMap((r) => r.budgets), findingsOf(data, checks, Boolean(o.strictEnv)), summaryOf(runs));
  const errored = runs.filter((r) => r.error);
  if (errored.length) out.failure = runtimeError(`check '${errored[0].name}' could not run: ${errored[0].error?.message}${errored.length > 1 ? ` (and ${errored.length - 1} more)` : ''}`, 'fix the target or the service, then run perfkit check again');
  out.after = async (report) => {
    if (o.saveBaseline) {
      const { writeFileAtomically } = await import('../util/write-file.js');
      await writeFileAtomically(path.resolve(ctx.io.cwd, o.saveBaseline), `${JSON.stringify(report, null, 2)}\n`, '--save-baseline');
    }
    if (ctx.io.env.GITHUB_ACTIONS === 'true') {
      const { publishToGithub } = await import('./check-run.js');
      await publishToGithub(report, ctx.io);
    }
  };
  return out;
}

function outcome(data: CheckData, budgets: BudgetResult[], findings: Finding[], summary: Record<string, number>): CommandOutcome<CheckData> {
  return {
    result: { command: 'check', target: { checks: data.listed?.map((c) => c.name) ?? data.checks.map((c) => c.name) }, environment: { ...data.fingerprint }, summary, findings, budgets, data },
    view: checkView,
  };
}

async function readBaseline(file: string, shown: string): Promise<{ data: CheckData; startedAt: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw inputError(`--baseline ${shown}: ${code === 'ENOENT' ? 'no such file' : code ?? `not JSON (${(e as Error).message})`}`, 'pass a report saved by perfkit check --save-baseline (or --format json)');
  }
  const r = baselineChecks(raw, shown, SCHEMA_VERSION);
  if (!r.ok) throw inputError(`--baseline: ${r.why}`, 'save a new baseline with this perfkit: perfkit check --save-baseline <file>');
  return r;
}

/** The first report tells which metrics the command has: a budget on another is a config error. */
function assertMetrics(check: ResolvedCheck, report: Report, where: string): void {
  for (const b of check.budgets) {
    if (b.metric in report.summary) continue;
    const have = Object.keys(report.summary);
    throw configError(`${where}: ${b.key}.metric: '${b.metric}' is not in ${check.command}'s summary (it has ${have.slice(0, 25).join(', ')}${have.length > 25 ? `, … ${have.length - 25} more` : ''})`, `use one of those names; perfkit ${check.command} --format json shows them all`);
  }
}

function relabel(e: unknown, check: ResolvedCheck, where: string): unknown {
  if (!isPerfkitError(e) || e.kind === 'interrupted' || e.message.startsWith(where)) return e;
  return new PerfkitError(e.kind, `${where}: ${check.key} (${check.name}): ${e.message}`, e.hint, { cause: e });
}

function statusOf(reports: Report[], budgets: BudgetResult[]): CheckRun['status'] {
  if (reports.some((r) => r.status === 'fail') || budgets.some((b) => b.status !== 'pass' && b.level === 'error')) return 'fail';
  if (reports.some((r) => r.status === 'warn') || budgets.some((b) => b.status !== 'pass' && b.level === 'warn')) return 'warn';
  return 'pass';
}

function summaryOf(runs: CheckRun[]): Record<string, number> {
  const s: Record<string, number> = {
    checks: runs.length,
    'checks.failed': runs.filter((r) => r.status === 'fail').length,
    'checks.warn': runs.filter((r) => r.status === 'warn').length,
    'checks.error': runs.filter((r) => r.status === 'error').length,
    'regressions.fail': runs.reduce((n, r) => n + r.regressions.filter((x) => x.verdict === 'fail').length, 0),
    'regressions.inconclusive': runs.reduce((n, r) => n + r.regressions.filter((x) => x.verdict === 'inconclusive').length, 0),
  };
  for (const r of runs) for (const b of r.budgets) if (b.operator !== 'regression' && b.actual !== null) s[b.metric] = b.actual;
  return s;
}

function findingsOf(d: CheckData, checks: ResolvedCheck[], strict: boolean): Finding[] {
  const out: Finding[] = [];
  // The checks' own findings (error and warn), once each: they decide the combined status as they would alone.
  // A finding that repeats across repetitions (with other numbers) is shown once, with how often it came.
  for (const r of d.checks) {
    const seen = new Map<string, { f: Finding; n: number }>();
    for (const f of r.reports.flatMap((rep) => rep.findings)) {
      if (f.severity === 'info') continue;
      const id = `${f.rule}|${f.location ?? ''}`;
      const had = seen.get(id);
      if (had) had.n++;
      else seen.set(id, { f, n: 1 });
    }
    for (const { f, n } of seen.values()) {
      const times = n > 1 ? ` (in ${n} of ${r.reports.length} runs; the numbers are the first run's)` : '';
      out.push({ ...f, message: `${f.message}${times}`, location: f.location ? `${r.name}: ${f.location}` : r.name });
    }
  }
  for (const r of d.checks.filter((c) => c.error)) {
    out.push({ rule: 'check-error', severity: 'error', title: `Check '${r.name}' could not run`, message: r.error?.message ?? '', location: r.name, fix: 'fix the target or the service; the other checks ran' });
  }
  if (d.baseline?.envDiff.length) {
    out.push({
      rule: 'baseline-environment',
      severity: strict ? 'error' : 'warn',
      title: 'The baseline was measured in another environment',
      message: `Differences: ${d.baseline.envDiff.join('; ')}. A change may come from the machine or the software versions, not from the code.`,
      evidence: { baseline: d.baseline.fingerprint, current: d.fingerprint },
      fix: strict ? 'take the baseline on the same kind of runner, or drop --strict-env' : 'take the baseline on the same kind of runner; --strict-env makes this an error',
    });
  }
  if (!d.baseline && checks.some((c) => c.budgets.some((b) => b.regression !== undefined)) && !d.calibration) {
    out.push({ rule: 'no-baseline', severity: 'info', title: 'Regression budgets were not evaluated', message: 'No --baseline was given, so the regression budgets had nothing to compare with.', fix: 'save one on the main branch with --save-baseline perf-baseline.json and pass it with --baseline' });
  }
  return out;
}

function calibration(checks: ResolvedCheck[], runs: CheckRun[], rounds: number): NonNullable<CheckData['calibration']> {
  return runs.flatMap((r) => {
    const check = checks.find((c) => c.name === r.name) as ResolvedCheck;
    const metrics = [...new Set(check.budgets.map((b) => b.metric))];
    const samples = Object.fromEntries(metrics.filter((m) => r.samples[m]?.length).map((m) => [m, r.samples[m]]));
    const better = Object.fromEntries(check.budgets.filter((b) => b.better).map((b) => [b.metric, b.better as 'lower' | 'higher']));
    const perRound = Math.max(1, Math.round((Object.values(samples)[0]?.length ?? rounds) / rounds));
    return calibrate(samples, { better, runs: perRound }).map((c) => ({ check: r.name, metric: c.metric, n: c.n, median: c.median, relSpread: c.relSpread, proposedRegression: c.proposedMinEffect, note: c.note }));
  });
}

function describeBudget(b: ResolvedCheck['budgets'][number]): string {
  if (b.max !== undefined) return `${b.metric} <= ${b.max}${b.level === 'warn' ? ' (warn)' : ''}`;
  if (b.min !== undefined) return `${b.metric} >= ${b.min}${b.level === 'warn' ? ' (warn)' : ''}`;
  return `${b.metric} regression ${Math.round((b.regression ?? 0) * 1000) / 10}% (${b.better} is better)`;
}

function prefixed(p: Progress, name: string): Progress {
  return { start: (t) => p.update(`${name}: ${t}`), update: (t) => p.update(`${name}: ${t}`), stop: () => undefined };
}

function baseFingerprint(): Fingerprint {
  const cpus = os.cpus();
  return { perfkit: version(), node: process.version, platform: `${os.platform()} ${os.arch()}`, cpuModel: cpus[0]?.model?.trim() ?? 'unknown', cpus: cpus.length, memoryBytes: os.totalmem() };
}

/** Server and browser versions, as the checks' own reports recorded them. */
function seenVersions(runs: CheckRun[]): Partial<Fingerprint> {
  const out: Partial<Fingerprint> = {};
  for (const rep of runs.flatMap((r) => r.reports)) {
    const e = rep.environment as Record<string, unknown>;
    if (typeof e.postgres === 'string') out.postgres ??= e.postgres;
    if (typeof e.redis === 'string') out.redis ??= e.redis;
    if (typeof e.chromium === 'string') out.chromium ??= e.chromium;
    if (typeof e.lighthouse === 'string') out.lighthouse ??= e.lighthouse;
  }
  return out;
}
