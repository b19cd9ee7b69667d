// Turns a command's result into the Report envelope and writes it: stdout, and -o file atomically.
import os from 'node:os';
import path from 'node:path';
import { rename, writeFile, unlink } from 'node:fs/promises';
import type { Io } from './io.js';
import { inputError } from './errors.js';
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
  const budgets = evaluateThresholds(summary, opts.thresholds);
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
    await writeAtomically(path.resolve(io.cwd, settings.output), fileText, io.runtime.pid);
  }
  io.stdout(text);
  await io.flush();
}

async function writeAtomically(file: string, text: string, pid: number): Promise<void> {
  const tmp = `${file}.${pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw inputError(`-o ${file}: cannot write the report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'check that the folder exists and is writable');
  }
}
