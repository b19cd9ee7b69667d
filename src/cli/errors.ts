// The error catalogue: every failure a user can see has a kind, one message, and a fix hint.
// Only cli/main.ts turns a kind into an exit code.

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  runtime: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** usage: flags/arguments; config: config or budget file; input: a file or SQL the user gave;
 *  connect: cannot reach or log in to a service; runtime: a service failed while working;
 *  interrupted: SIGINT. */
export type ErrorKind = 'usage' | 'config' | 'input' | 'connect' | 'runtime' | 'interrupted';

export const exitCodeOf: Record<ErrorKind, ExitCode> = {
  usage: ExitCode.usage,
  config: ExitCode.usage,
  input: ExitCode.usage,
  connect: ExitCode.runtime,
  runtime: ExitCode.runtime,
  interrupted: ExitCode.interrupted,
};

export class PerfkitError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  constructor(kind: ErrorKind, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PerfkitError';
    this.kind = kind;
    this.hint = hint;
  }
}

export const usageError = (message: string, hint?: string) => new PerfkitError('usage', message, hint);
export const configError = (message: string, hint?: string) => new PerfkitError('config', message, hint);
export const inputError = (message: string, hint?: string, cause?: unknown) =>
  new PerfkitError('input', message, hint, { cause });
export const connectError = (message: string, hint?: string, cause?: unknown) =>
  new PerfkitError('connect', message, hint, { cause });
export const runtimeError = (message: string, hint?: string, cause?: unknown) =>
  new PerfkitError('runtime', message, hint, { cause });

export function isPerfkitError(e: unknown): e is PerfkitError {
  return e instanceof PerfkitError;
}
