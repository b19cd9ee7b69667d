// Turns a command's result into the Report envelope and writes it: stdout, and -o file atomically.
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomically } from '../util/write-file.js';
import type { Io } from './io.js';
import { version } from './version.js';
import type { Settings } from '../config/load.js';
import { SCHEMA_VERSION, countFindings, statusOf, type CommandResult, type Report, type View } from '../report/model.js';
import type { InlineThreshold } from '../budget/grammar.js';
import { evaluateThresholds } from '../budget/evaluate.js';
import { redactDeep } from '../util/redact.js';

export function buildReport(
  result: CommandResult,
  opts: { startedAt: number; io: Io; settings: Settings; thresholds: InlineThreshold[]; secrets: Set<string> },
): Report {
  const summary = { ...result.summary, ...countFindings(result.findings) };
  // A command's own budgets (Lighthouse's budget.json and assertions) come first, then the user's thresholds.
  const budgets = [...(result.budgets ?? []), ...evaluateThresholds(summary, opts.thresholds)];
  const report: Report = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'perfkit', version: version() },
    command: result.command,
    status: statusOf(result.findings, budgets, opts.settings.failOn),
    startedAt: new Date(opts.startedAt).toISOString(),
    durationMs: Math.max(0, opts.io.now() - opts.startedAt),
    target: result.target ?? {},
    environment: {
      node: opts.io.runtime.node,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().length,
      memoryBytes: os.totalmem(),
      ci: Boolean(opts.io.env.CI),
      ...result.environment,
    },
    summary,
    findings: result.findings,
    budgets,
    data: result.data,
  };
  return redactDeep(report, opts.secrets);
}

export async function writeReport(report: Report, view: View | undefined, io: Io, settings: Settings): Promise<void> {
  const { render } = await import('../report/render/index.js');
  const color = settings.color;
  const text = await render(report, settings.format, { color, columns: io.columns, view, failOn: settings.failOn });
  if (settings.output) {
    const fileText = settings.outputFormat === settings.format && !color ? text : await render(report, settings.outputFormat, { color: false, columns: 120, view, failOn: settings.failOn });
    await writeFileAtomically(path.resolve(io.cwd, settings.output), fileText, '-o');
  }
  io.stdout(text);
  await io.flush();
}
