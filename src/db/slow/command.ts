// `perfkit db slow`: slow-query analysis from PostgreSQL logs (stderr, csvlog, jsonlog, gzip, stdin;
// streamed, in worker threads when that is faster, incremental with --state) or from pg_stat_statements.
// `perfkit db slow merge a.json b.json` merges saved results exactly.
import type { CommandContext, CommandOutcome } from '../../cli/context.js';
import { usageError } from '../../cli/errors.js';
import type { Finding } from '../../report/model.js';
import { openDb, type DbOptions } from '../connect.js';
import type { AggregateState, Aggregator } from './aggregate.js';
import { finishReport, LOG_SORTS, type LogSort, type SlowLogData } from './finish.js';
import { lintSlowPlans } from './plans.js';
import { slowView } from './view.js';
import { numberFlag } from '../../util/flags.js';

export interface SlowOptions extends DbOptions {
  log?: string[];
  prefix?: string;
  logFormat?: string;
  top?: string;
  sort?: string;
  interval?: string;
  state?: string;
  threads?: string;
}

const topOf = (o: SlowOptions): number => numberFlag(o.top, '--top', 20, { min: 1, integer: true });

export async function run(ctx: CommandContext): Promise<CommandOutcome<unknown>> {
  const o = ctx.options as SlowOptions;
  if (ctx.args[0] === 'merge') return mergeCommand(ctx, ctx.args.slice(1), o);
  if (ctx.args.length) throw usageError(`db slow: unexpected argument '${ctx.args[0]}'`, "log files go after --log; to merge saved results: perfkit db slow merge a.json b.json");
  if (o.log?.length) return logCommand(ctx, o);
  if (o.state) throw usageError('--state needs --log', 'pass the log files to read incrementally with --log');
  const { statStatementsCommand } = await import('./stat-statements-command.js');
  return statStatementsCommand(ctx, o);
}

function logSort(o: SlowOptions): LogSort {
  const sort = (o.sort ?? 'total') as LogSort;
  if (!LOG_SORTS.includes(sort)) throw usageError(`--sort '${o.sort}' does not apply to logs`, `use one of ${LOG_SORTS.join(', ')}`);
  return sort;
}

/** The log report's data, with the serialized aggregate that `db slow merge` merges exactly. */
export type SlowReportData = SlowLogData & { state: AggregateState };

async function logCommand(ctx: CommandContext, o: SlowOptions): Promise<CommandOutcome<SlowReportData>> {
  const sort = logSort(o);
  const top = topOf(o);
  if (o.interval) throw usageError('--interval applies to pg_stat_statements, not to logs', 'drop --interval, or drop --log to sample pg_stat_statements');
  const format = o.logFormat && o.logFormat !== 'auto' ? o.logFormat : 'auto';
  if (!['auto', 'stderr', 'csvlog', 'jsonlog'].includes(format)) throw usageError(`--log-format '${o.logFormat}': unknown`, 'use stderr, csvlog, jsonlog or auto');
  let prefix = o.prefix;
  let prefixSource: 'flag' | 'server' | undefined = prefix ? 'flag' : undefined;
  if (!prefix && (o.db || ctx.io.env.PERFKIT_DB_URL || ctx.io.env.DATABASE_URL)) {
    const db = await openDb(ctx, o);
    try {
      prefix = String((await db.conn.query<{ log_line_prefix: string }>('/* perfkit */ SHOW log_line_prefix'))[0]?.log_line_prefix ?? '') || undefined;
      prefixSource = prefix ? 'server' : undefined;
    } finally {
      await db.close();
    }
  }
  const threads = o.threads === undefined ? 'auto' : numberFlag(o.threads, '--threads', 2, { min: 1, integer: true });
  const readOpts = { format: format as 'auto', prefix, prefixSource };
  ctx.progress.start(`reading ${o.log!.join(', ')}`);
  const { openLogSource } = await import('./read.js');
  const sources = (await Promise.all(o.log!.map(async (l) => (l === '-' ? openLogSource('-', ctx.io.stdinStream) : [l])))).flat();
  let aggregate: Aggregator;
  let stats;
  let threadsUsed = 1;
  if (o.state) {
    const { analyzeIncremental } = await import('./state.js');
    const res = await analyzeIncremental(o.state, sources, readOpts, { threads });
    aggregate = res.aggregate;
    stats = res.stats;
    threadsUsed = res.threads;
  } else {
    const { analyzeLogs } = await import('./parallel.js');
    const res = await analyzeLogs(sources, readOpts, { threads });
    aggregate = res.aggregate;
    stats = res.stats;
    threadsUsed = res.threads;
  }
  const report = finishReport(aggregate, { top, sort }, { lines: stats.lines, unparsed: stats.unparsed });
  const findings: Finding[] = await lintSlowPlans(report.data.queries);
  const data = { ...report.data, state: aggregate.toJSON() };
  return {
    result: {
      command: 'db slow',
      target: { display: stats.files.join(', '), logs: stats.files, format: stats.format, prefix: stats.prefix ?? null, prefixSource: stats.prefixSource ?? null },
      environment: { threads: threadsUsed },
      summary: { ...report.summary },
      findings,
      data,
    },
    view: slowView,
  };
}

async function mergeCommand(ctx: CommandContext, files: string[], o: SlowOptions): Promise<CommandOutcome<SlowReportData>> {
  if (files.length < 2) throw usageError('db slow merge needs two or more saved results', 'perfkit db slow merge monday.json tuesday.json');
  const { mergeSavedResults } = await import('./merge.js');
  const aggregate = await mergeSavedResults(files);
  const report = finishReport(aggregate, { top: topOf(o), sort: logSort(o) });
  return {
    result: {
      command: 'db slow merge',
      target: { merged: files },
      summary: { ...report.summary },
      findings: await lintSlowPlans(report.data.queries),
      data: { ...report.data, state: aggregate.toJSON() },
    },
    view: slowView,
  };
}
