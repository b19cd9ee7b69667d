// What a command module receives, and what it gives back. Commands never print a result or exit.
import type { Io } from './io.js';
import type { PerfkitError } from './errors.js';
import type { InlineThreshold } from '../budget/grammar.js';
import type { Settings } from '../config/load.js';
import type { CommandResult, View } from '../report/model.js';

export interface Progress {
  /** Starts (or retitles) the spinner; shown on stderr only when it is a TTY and not --quiet. */
  start(text: string): void;
  update(text: string): void;
  stop(): void;
}

export interface CommandContext<O = Record<string, unknown>> {
  io: Io;
  settings: Settings;
  /** The command's own options as commander parsed them. */
  options: O;
  args: string[];
  signal: AbortSignal;
  progress: Progress;
  /** A note for the user on stderr: shown on a TTY or with --verbose, never in the report. */
  note(text: string): void;
  /** Registers a secret (password, token) to be redacted from every output and error. */
  secret(value: string | undefined): void;
  /** The thresholds and budgets main will evaluate at the end (for commands that also check them early,
   *  like loadtest --abort-on-fail). */
  thresholds: InlineThreshold[];
}

export interface CommandOutcome<D = unknown> {
  result: CommandResult<D>;
  view?: View<D>;
  /** A failure that still has a report (a purge whose batches failed): main prints the report, then this
   *  error's one line on stderr, and exits with this error's code instead of the report's. */
  failure?: PerfkitError;
  /** Output that is not a report (a generated manifest): printed as is, instead of rendering the result. */
  raw?: string;
  /** Runs after the report is printed, with the final report (status and budgets stamped): `perfkit check`
   *  writes its baseline, the GitHub step summary and annotations here. */
  after?(report: import('../report/model.js').Report<D>): Promise<void>;
}

export type CommandModule = { run(ctx: CommandContext): Promise<CommandOutcome<unknown>> };
