// runMain: argv in, exit code out. Parses, loads config, runs the chosen command, evaluates budgets,
// renders, and maps errors to exit codes. The only place that decides the exit code.
import { CommanderError } from 'commander';
import type { Io } from './io.js';
import { ExitCode, PerfkitError, exitCodeOf, isPerfkitError, usageError } from './errors.js';
import { createProgram, type Selection } from './program.js';
import { createProgress } from './progress.js';
import { writeReport } from './output.js';
import type { GlobalFlags, Settings } from '../config/load.js';
import { redact } from '../util/redact.js';

const SECRET_ENV = ['PGPASSWORD', 'PERFKIT_REDIS_PASSWORD', 'REDISCLI_AUTH', 'CLOUDFLARE_API_TOKEN', 'FASTLY_API_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

export async function runMain(argv: string[], io: Io): Promise<number> {
  const secrets = new Set<string>(SECRET_ENV.map((k) => io.env[k]).filter((v): v is string => Boolean(v)));
  let verbose = argv.includes('--verbose');
  let selection: Selection | undefined;
  const program = createProgram(io, (s) => (selection = s));
  try {
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (e) {
      if (e instanceof CommanderError) {
        if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.ok;
        if (e.code === 'commander.executeSubCommandAsync') return ExitCode.ok;
        throw usageError(e.message.replace(/^error: /, ''), helpHint(argv));
      }
      throw e;
    }
    if (!selection) {
      // `perfkit db` with no subcommand: show that group's help.
      io.stdout(program.helpInformation());
      return ExitCode.ok;
    }
    const sel: Selection = selection;
    const flags = sel.globals as GlobalFlags;
    verbose = Boolean(flags.verbose);
    // Imported here, not at the top: the config schema pulls in zod, which would double the time
    // `perfkit --help` and `--version` take (bench/startup.mjs).
    const { loadSettings } = await import('../config/load.js');
    const settings = await loadSettings(flags, io.env, io.cwd, io.isTTY);
    return await execute(sel, settings, io, secrets);
  } catch (e) {
    return reportError(e, io, verbose, secrets);
  }
}

async function execute(sel: Selection, settings: Settings, io: Io, secrets: Set<string>): Promise<number> {
  const { runSelection } = await import('./run-command.js');
  const controller = new AbortController();
  const offInterrupt = io.onInterrupt(() => controller.abort());
  const progress = await createProgress(io, settings);
  let ran: Awaited<ReturnType<typeof runSelection>>;
  try {
    ran = await runSelection(sel, { io, settings, secrets, signal: controller.signal, progress });
  } catch (e) {
    if (controller.signal.aborted) throw new PerfkitError('interrupted', 'interrupted', 'nothing was changed');
    throw e;
  } finally {
    progress.stop();
    offInterrupt();
  }
  const { report, outcome } = ran;
  if (outcome.raw !== undefined) {
    io.stdout(outcome.raw);
    await io.flush();
    return ExitCode.ok;
  }
  await writeReport(report, outcome.view, io, settings);
  if (outcome.after) await outcome.after(report);
  if (controller.signal.aborted) return ExitCode.interrupted;
  if (outcome.failure) return reportError(outcome.failure, io, settings.verbose, secrets);
  return report.status === 'fail' ? ExitCode.failed : ExitCode.ok;
}

function helpHint(argv: string[]): string {
  const words = argv.filter((a) => !a.startsWith('-')).slice(0, 2);
  return `see 'perfkit ${words.length ? `${words.join(' ')} ` : ''}--help'`;
}

function reportError(e: unknown, io: Io, verbose: boolean, secrets: Set<string>): number {
  const err: PerfkitError = isPerfkitError(e)
    ? e
    : new PerfkitError('runtime', `internal error: ${(e as Error)?.message ?? String(e)}`, 'this is a bug in perfkit; run again with --verbose and report it');
  const message = redact(err.message.replace(/\s*\n\s*/g, ' ').replace(/\.$/, ''), secrets);
  const hint = err.hint ? `. Fix: ${redact(err.hint, secrets)}` : '';
  io.stderr(`perfkit: ${message}${hint}\n`);
  if (verbose) {
    const stack = (isPerfkitError(e) && e.cause instanceof Error ? e.cause : e) as Error;
    if (stack?.stack) io.stderr(`${redact(stack.stack, secrets)}\n`);
  }
  return exitCodeOf[err.kind];
}
