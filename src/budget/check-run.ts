// One check's command line through perfkit's own parser and runner (the same path `perfkit <command>`
// takes, minus printing), and what the combined report gives a GitHub Actions job: annotations on stderr
// and the markdown summary appended to $GITHUB_STEP_SUMMARY.
import { CommanderError } from 'commander';
import { appendFile } from 'node:fs/promises';
import type { CommandContext, Progress } from '../cli/context.js';
import { configError, type PerfkitError } from '../cli/errors.js';
import type { Io } from '../cli/io.js';
import { createProgram, type Selection } from '../cli/program.js';
import type { Report } from '../report/model.js';
import type { CheckData, ResolvedCheck } from './check-model.js';

export interface ParsedCheck {
  check: ResolvedCheck;
  sel: Selection;
}

export async function parseCheck(check: ResolvedCheck, io: Io, where: string): Promise<ParsedCheck> {
  let sel: Selection | undefined;
  const quiet: Io = { ...io, stdout: () => undefined, stderr: () => undefined };
  const program = createProgram(quiet, (s) => (sel = s));
  try {
    await program.parseAsync(check.argv, { from: 'user' });
  } catch (e) {
    const msg = e instanceof CommanderError ? e.message.replace(/^error: /, '') : (e as Error).message;
    throw configError(`${where}: ${check.key}.run: ${msg}`, `check the command line: perfkit ${check.command} --help`);
  }
  if (!sel) throw configError(`${where}: ${check.key}.run: '${check.argv.join(' ')}' runs no command`, `start it with a command, e.g. ${check.command}`);
  return { check, sel };
}

/** Runs the check's command once: its report, and its failure when it has one (a report that still failed). */
export async function runCheckOnce(p: ParsedCheck, ctx: CommandContext, progress: Progress): Promise<{ report: Report; failure?: PerfkitError }> {
  const { runSelection } = await import('../cli/run-command.js');
  const secrets = new ForwardingSet(ctx.secret);
  // A fresh parse per run: commander keeps option values on the command objects.
  const { sel } = p;
  const ran = await runSelection({ ...sel, options: { ...sel.options }, args: [...sel.args] }, { io: ctx.io, settings: ctx.settings, secrets, signal: ctx.signal, progress });
  return { report: ran.report, failure: ran.outcome.failure };
}

/** Secrets a check's command registers are registered with perfkit check too, so its output redacts them. */
class ForwardingSet extends Set<string> {
  constructor(private readonly forward: (v: string) => void) {
    super();
  }
  override add(v: string): this {
    this.forward?.(v);
    return super.add(v);
  }
}

export async function publishToGithub(report: Report, io: Io): Promise<void> {
  const { githubAnnotations, stepSummary } = await import('./github.js');
  const r = report as Report<CheckData>;
  for (const line of githubAnnotations(r)) io.stderr(`${line}\n`);
  const file = io.env.GITHUB_STEP_SUMMARY;
  if (file) {
    try {
      await appendFile(file, `${stepSummary(r)}\n`);
    } catch (e) {
      io.stderr(`perfkit: could not append to GITHUB_STEP_SUMMARY (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
    }
  }
}
