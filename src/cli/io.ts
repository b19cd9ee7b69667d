// Io: the only code that touches `process`. Everything else writes to the Io it is given,
// which is what lets tests run the whole CLI in-process.
import { once } from 'node:events';
import { Readable } from 'node:stream';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal (decides colours and table width for the report). */
  isTTY: boolean;
  /** stderr is a terminal (decides progress, spinners and hints). */
  stderrIsTTY: boolean;
  columns: number;
  env: Record<string, string | undefined>;
  cwd: string;
  now: () => number;
  /** Node version and process id, for the report's environment and temp-file names. */
  /** argv: the command line perfkit was started with (without node and the script). */
  runtime: { node: string; pid: number; argv: string[] };
  /** The raw stderr stream for spinners (TTY only); undefined when not a real process. */
  stderrStream?: NodeJS.WriteStream;
  /** Asks a yes/no question on the terminal (stdin and stderr must be TTYs); false otherwise. */
  confirm: (question: string) => Promise<boolean>;
  /** Standard input as a stream (for `--log -`). */
  stdinStream: NodeJS.ReadableStream;
  /** Reads all of standard input (for `--plan -`). */
  readStdin: () => Promise<string>;
  /** Resolves when everything written to stdout has been flushed. */
  flush: () => Promise<void>;
  /** Registers a handler for SIGINT; returns a function that removes it. */
  onInterrupt: (handler: () => void) => () => void;
}

export function createProcessIo(): Io {
  // A reader that goes away (`perfkit … | head`) is not an error: stop writing, finish quietly.
  let stdoutClosed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutClosed = true;
  });
  return {
    stdout: (text) => void (stdoutClosed || process.stdout.write(text)),
    stderr: (text) => void process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    columns: process.stdout.columns ?? 120,
    env: process.env,
    cwd: process.cwd(),
    now: () => Date.now(),
    runtime: { node: process.version, pid: process.pid, argv: process.argv.slice(2) },
    stderrStream: process.stderr,
    stdinStream: process.stdin,
    confirm: async (question) => {
      if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
      } finally {
        rl.close();
      }
    },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    flush: async () => {
      if (!stdoutClosed && process.stdout.writableNeedDrain) await Promise.race([once(process.stdout, 'drain'), once(process.stdout, 'error')]);
    },
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      return () => void process.off('SIGINT', handler);
    },
  };
}

/** An in-memory Io for tests and for embedding perfkit in another program. */
export function createMemoryIo(opts: Partial<Io> = {}): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    isTTY: false,
    stderrIsTTY: false,
    columns: 120,
    env: {},
    cwd: process.cwd(),
    now: () => Date.now(),
    runtime: { node: process.version, pid: process.pid, argv: [] },
    confirm: async () => false,
    stdinStream: Readable.from([]),
    readStdin: async () => '',
    flush: async () => {},
    onInterrupt: () => () => {},
    ...opts,
    out: () => out,
    err: () => err,
  };
}
