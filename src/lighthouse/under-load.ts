// --under-load "<loadtest options>": a bounded `perfkit loadtest` against the audited origin that runs in the
// background while the loaded audits run, then stops. The options are parsed by the loadtest command's own
// definitions, so every loadtest flag means the same here.
import { Command } from 'commander';
import type { CommandContext, CommandModule } from '../cli/context.js';
import { PerfkitError, isPerfkitError, usageError } from '../cli/errors.js';
import { registerLoadtest } from '../cli/commands/loadtest.js';
import { sleep } from '../util/retry.js';

export interface RunningLoad {
  target: string;
  options: string;
  /** Stops the load and returns its loadtest summary. */
  stop(): Promise<{ summary: Record<string, number>; valid: boolean; endedEarly: boolean }>;
}

const NOT_HERE = ['emit', 'shard', 'shards', 'abortOnFail'];
/** Without -d, the load lasts until the loaded audits end, and never longer than this. */
const CAP = '10m';

export async function parseLoadSpec(spec: string, auditUrl: URL): Promise<{ target: string; options: Record<string, unknown> }> {
  const { parseArgsStringToArgv } = await import('string-argv');
  const words = parseArgsStringToArgv(spec);
  let parsed: { args: string[]; options: Record<string, unknown> } | undefined;
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerLoadtest(program, () =>
    function (this: Command, ...args: unknown[]) {
      parsed = { args: (args[0] as string[]) ?? [], options: this.opts() };
    },
  );
  try {
    program.parse(['loadtest', ...words], { from: 'user' });
  } catch (e) {
    const msg = ((e as Error).message ?? String(e)).replace(/^error:\s*/, '');
    throw usageError(`--under-load '${spec}': ${msg}`, 'give loadtest options, e.g. --under-load "--rate 50" or --under-load "-c 10 /api/items"');
  }
  if (!parsed) throw usageError(`--under-load '${spec}': not loadtest options`, 'e.g. --under-load "--rate 50"');
  const bad = NOT_HERE.filter((k) => parsed?.options[k] !== undefined);
  if (bad.length) throw usageError(`--under-load: --${bad[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} does not apply to a background load`, 'drop it; the load runs on this machine for as long as the loaded audits take');
  if (parsed.args.length > 1) throw usageError(`--under-load: one target at most (got ${parsed.args.join(', ')})`, 'give one path, e.g. --under-load "--rate 50 /api/items"');
  const target = parsed.args[0] !== undefined ? new URL(parsed.args[0], auditUrl) : auditUrl;
  if (target.origin !== auditUrl.origin) {
    throw usageError(`--under-load: ${target.origin} is not the audited origin ${auditUrl.origin}`, 'give a path on the audited origin; load goes only where the audit goes');
  }
  return { target: target.href, options: parsed.options };
}

/** Starts the load; resolves once it has run for `settleMs`, so the first loaded audit meets a loaded server. */
export async function startLoad(ctx: CommandContext, spec: string, auditUrl: URL, settleMs = 2_000): Promise<RunningLoad> {
  const { target, options } = await parseLoadSpec(spec, auditUrl);
  const bounded = options.duration === undefined && options.phases === undefined && options.amount === undefined;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const child: CommandContext = {
    ...ctx,
    options: { ...options, ...(bounded ? { duration: CAP } : {}) },
    args: [target],
    signal: controller.signal,
    progress: { start: () => undefined, update: () => undefined, stop: () => undefined },
    note: () => undefined,
    thresholds: [],
  };
  const mod = (await import('../loadtest/command.js')) as CommandModule;
  let endedAt: number | undefined;
  const running = mod.run(child).then(
    (outcome) => {
      endedAt = Date.now();
      return outcome;
    },
    (e: unknown) => {
      endedAt = Date.now();
      throw e;
    },
  );
  running.catch(() => undefined);
  await Promise.race([sleep(settleMs, ctx.signal), running]).catch((e) => {
    controller.abort();
    throw isPerfkitError(e) ? new PerfkitError(e.kind, `--under-load: ${e.message}`, e.hint, { cause: e }) : e;
  });
  return {
    target,
    options: spec,
    async stop() {
      const stoppedAt = Date.now();
      controller.abort();
      ctx.signal.removeEventListener('abort', onAbort);
      const outcome = await running.catch((e) => {
        throw isPerfkitError(e) ? new PerfkitError(e.kind, `--under-load: ${e.message}`, e.hint, { cause: e }) : e;
      });
      const summary = outcome.result.summary;
      return { summary, valid: summary.valid === undefined || summary.valid === 1, endedEarly: endedAt !== undefined && endedAt < stoppedAt - 1_000 };
    },
  };
}
