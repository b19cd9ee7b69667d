// Spinners on stderr, only on a TTY and never with --quiet; a no-op everywhere else.
import type { Io } from './io.js';
import type { Settings } from '../config/load.js';
import type { Progress } from './context.js';

const NOOP: Progress = { start: () => {}, update: () => {}, stop: () => {} };

export async function createProgress(io: Io, settings: Settings): Promise<Progress> {
  if (!io.stderrIsTTY || settings.quiet || !io.stderrStream) return NOOP;
  const { default: ora } = await import('ora');
  const spinner = ora({ stream: io.stderrStream, color: settings.color ? 'cyan' : false as never, discardStdin: false });
  return {
    start: (text) => void spinner.start(text),
    update: (text) => void (spinner.text = text),
    stop: () => void (spinner.isSpinning && spinner.stop()),
  };
}
