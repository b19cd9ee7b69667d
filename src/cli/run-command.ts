// Running one command to its Report, without printing: what `perfkit <command>` does before rendering,
// shared by cli/main.ts and by `perfkit check`, which runs many commands and combines their reports.
import type { Io } from './io.js';
import type { CommandContext, CommandOutcome, Progress } from './context.js';
import type { Selection } from './program.js';
import { buildReport } from './output.js';
import type { Settings } from '../config/load.js';
import type { BudgetSpec } from '../config/schema.js';
import type { Report } from '../report/model.js';
import { redact } from '../util/redact.js';

export interface RunEnv {
  io: Io;
  settings: Settings;
  secrets: Set<string>;
  signal: AbortSignal;
  progress: Progress;
  /** Budgets besides the config's and --budget's (a check's own). */
  extraBudgets?: Array<{ spec: BudgetSpec; source: string }>;
}

export interface Ran {
  report: Report;
  outcome: CommandOutcome;
}

export async function runSelection(sel: Selection, env: RunEnv): Promise<Ran> {
  const { collectThresholds, loadBudgetFile } = await import('../budget/load.js');
  const { io, settings, secrets } = env;
  const budgetFile = sel.globals.budget as string | undefined;
  const fileBudgets = [
    ...settings.budgets.map((spec) => ({ spec, source: settings.configPath ?? 'config' })),
    ...(budgetFile ? (await loadBudgetFile(budgetFile, io.cwd)).map((spec) => ({ spec, source: budgetFile })) : []),
    ...(env.extraBudgets ?? []),
  ];
  const thresholds = collectThresholds({ command: sel.name, inline: (sel.globals.threshold as string[] | undefined) ?? [], fileBudgets });
  const ctx: CommandContext = {
    io,
    settings,
    options: sel.options,
    args: sel.args,
    signal: env.signal,
    progress: env.progress,
    note: (text) => {
      if (!settings.quiet && (io.stderrIsTTY || settings.verbose)) io.stderr(`${redact(text, secrets)}\n`);
    },
    secret: (v) => void (v && secrets.add(v)),
    thresholds,
  };
  const startedAt = io.now();
  const mod = await sel.load();
  const outcome = await mod.run(ctx);
  const report = buildReport(outcome.result, { startedAt, io, settings, thresholds, secrets });
  return { report, outcome };
}
