// `perfkit cache warm`: fills Redis from NDJSON, CSV or SQL, or an HTTP cache from a URL list or a
// sitemap. The source decides the target: records go to Redis, URLs go over HTTP.
import path from 'node:path';
import type { CommandContext, CommandOutcome } from '../../cli/context.js';
import { usageError } from '../../cli/errors.js';
import type { Finding } from '../../report/model.js';
import { durationFlag, numberFlag } from '../../util/flags.js';
import type { DbOptions } from '../../db/connect.js';
import { VALUE_TYPES, type Mode, type ValueType } from './items.js';
import { fileFormatOf, type Source } from './sources.js';
import type { RedisWarmData } from './redis-run.js';
import { redisWarmView } from './view.js';

export interface WarmOptions extends DbOptions {
  from?: string;
  inputFormat?: string;
  redis?: string;
  cluster?: boolean;
  type?: string;
  ttl?: string;
  ttlJitter?: string;
  mode?: string;
  concurrency?: string;
  rate?: string;
  batch?: string;
  retries?: string;
  checkpoint?: string | boolean;
  resume?: boolean;
  dryRun?: boolean;
  verify?: string | boolean;
  onError?: string;
  connectTimeout?: string;
  // HTTP
  method?: string;
  variant?: string[];
  header?: string[];
  timeout?: string;
  baseUrl?: string;
  order?: string;
  limit?: string;
}

const HTTP_FORMATS = ['urls', 'sitemap'];

export async function run(ctx: CommandContext): Promise<CommandOutcome<unknown>> {
  const o = ctx.options as WarmOptions;
  if (!o.from) throw usageError('--from is required', 'name a source: --from items.ndjson, --from items.csv, --from "sql:SELECT … AS key, … AS value FROM …", --from urls.txt or --from sitemap.xml');
  const fmt = o.inputFormat;
  if (fmt !== undefined && !['ndjson', 'csv', ...HTTP_FORMATS].includes(fmt)) throw usageError(`--input-format '${fmt}': unknown`, 'use ndjson, csv, urls or sitemap');
  const isSql = o.from.startsWith('sql:');
  const fileFormat = isSql ? undefined : ((fmt === 'ndjson' || fmt === 'csv' ? fmt : undefined) ?? (fmt ? undefined : fileFormatOf(o.from)));
  if (!isSql && !fileFormat) {
    if (o.from === '-' && !fmt) throw usageError('--from -: stdin needs --input-format', 'add --input-format ndjson, csv or urls');
    const { warmHttp } = await import('./http/run.js');
    return warmHttp(ctx, {
      from: o.from,
      method: o.method,
      variant: o.variant,
      header: o.header,
      concurrency: o.concurrency,
      rate: o.rate,
      timeout: o.timeout,
      retries: o.retries,
      verify: o.verify !== false,
      baseUrl: o.baseUrl,
      order: o.order,
      limit: o.limit,
      dryRun: o.dryRun,
      onError: o.onError,
    });
  }
  return runRedis(ctx, o, isSql ? 'sql' : (fileFormat as 'ndjson' | 'csv'));
}

async function runRedis(ctx: CommandContext, o: WarmOptions, kind: 'ndjson' | 'csv' | 'sql'): Promise<CommandOutcome<RedisWarmData>> {
  const from = o.from as string;
  const mode = (o.mode ?? 'nx') as Mode;
  if (!['nx', 'xx', 'set'].includes(mode)) throw usageError(`--mode '${o.mode}': unknown`, 'use nx (only where absent, the default), xx (only where present) or set (overwrite)');
  const type = (o.type ?? 'string') as ValueType;
  if (!VALUE_TYPES.includes(type)) throw usageError(`--type '${o.type}': not a value type`, `use one of ${VALUE_TYPES.join(', ')}`);
  const ttlMs = o.ttl !== undefined ? durationFlag(o.ttl, '--ttl', 3_600_000, { allowZero: true }) : undefined;
  if (ttlMs === 0) throw usageError(`--ttl '${o.ttl}': a TTL must be positive`, 'write e.g. --ttl 1h, or leave it out for keys without TTL');
  const jitterPct = o.ttlJitter !== undefined ? percent(o.ttlJitter) : 0;
  if (jitterPct && ttlMs === undefined) ctx.note('--ttl-jitter applies to the TTLs in the records; without --ttl, records without a ttl get none');
  const concurrency = numberFlag(o.concurrency, '--concurrency', 4, { min: 1, integer: true });
  const ratePerSec = o.rate !== undefined ? numberFlag(o.rate, '--rate', 1000, { min: 1 }) : undefined;
  let windowSize = numberFlag(o.batch, '--batch', 1000, { min: 1, integer: true });
  // With a rate cap, small windows keep the sends evenly spaced (about 20 a second).
  if (ratePerSec !== undefined && o.batch === undefined) windowSize = Math.max(1, Math.min(windowSize, Math.ceil(ratePerSec / 20)));
  const retries = numberFlag(o.retries, '--retries', 5, { integer: true });
  const verify = o.verify === undefined || o.verify === false ? 0 : o.verify === true ? 100 : numberFlag(o.verify, '--verify', 100, { min: 1, integer: true });
  const onError = (o.onError ?? 'continue') as 'continue' | 'stop';
  if (!['continue', 'stop'].includes(onError)) throw usageError(`--on-error '${o.onError}': unknown`, 'use continue (count the record as failed and go on) or stop');
  const connectTimeoutMs = durationFlag(o.connectTimeout, '--connect-timeout', ctx.settings.redis.connectTimeoutMs, { allowZero: true, example: '10s' });
  const dryRun = Boolean(o.dryRun);

  const redis = await import('../../connectors/redis.js');
  const target = redis.resolveRedisTarget({ flag: o.redis, configUrl: ctx.settings.redis.url, configSource: ctx.settings.redis.urlSource }, ctx.io.env);
  target.secrets.forEach((s) => ctx.secret(s));
  if (o.cluster && target.db !== 0) throw usageError(`--cluster: ${target.display} names database ${target.db}, but a cluster has only database 0`, 'remove the /db from the URL');

  // Checkpoints are on by default for files; SQL only with --checkpoint; never for stdin.
  const fileSource = kind !== 'sql' && from !== '-';
  const cpFlag = o.checkpoint;
  if (o.resume && cpFlag === false) throw usageError('--resume needs a checkpoint, and --no-checkpoint turns it off', 'drop one of them');
  if ((o.resume || typeof cpFlag === 'string') && from === '-') throw usageError('--from -: stdin cannot be resumed', 'write the input to a file first');
  if (o.resume && kind === 'sql' && typeof cpFlag !== 'string') throw usageError('--resume of a SQL source needs the --checkpoint file of the first run', 'add --checkpoint <file> (and make the query ORDER BY a unique key)');
  const { defaultCheckpointPath } = await import('./checkpoint.js');
  const cpFile = typeof cpFlag === 'string' ? path.resolve(ctx.io.cwd, cpFlag) : fileSource && cpFlag !== false ? defaultCheckpointPath(ctx.io.cwd, from) : undefined;

  const sources = await import('./sources.js');
  const stdin = () => ctx.io.stdinStream as import('node:stream').Readable;
  let closeDb: (() => Promise<void>) | undefined;
  let source: Source;
  if (kind === 'sql') {
    const { openDb } = await import('../../db/connect.js');
    const db = await openDb(ctx, o);
    closeDb = db.close;
    source = sources.sqlSource(from.slice(4).trim(), (sql) => cursorRows(db.conn, sql));
  } else {
    const file = from === '-' ? '-' : path.resolve(ctx.io.cwd, from);
    source = kind === 'ndjson' ? await sources.ndjsonSource(file, '--from', stdin) : await sources.csvSource(file, '--from', stdin);
    source.label = from;
  }
  try {
    const { warmRedis } = await import('./redis-run.js');
    ctx.progress.start(dryRun ? `checking ${source.label}` : `warming ${target.display} from ${source.label}`);
    const data = await warmRedis({
      source,
      target,
      cluster: Boolean(o.cluster),
      mode,
      defaults: { type, ttlMs, jitter: jitterPct / 100 },
      concurrency,
      ratePerSec,
      windowSize,
      retries,
      connectTimeoutMs,
      checkpoint: cpFile ? { file: cpFile, resume: Boolean(o.resume) } : undefined,
      dryRun,
      verify,
      onError,
      signal: ctx.signal,
      progress: (t) => ctx.progress.update(t),
    });
    if (data.interrupted && data.checkpoint) ctx.note(`interrupted: run the same command with --resume to continue (checkpoint ${data.checkpoint})`);
    return {
      result: {
        command: 'cache warm',
        target: { redis: target.display, nodes: data.nodes, source: source.label },
        environment: {},
        summary: {
          items: data.items,
          written: data.counts.written,
          skipped: data.counts.skipped,
          failed: data.counts.failed,
          itemsPerSec: data.itemsPerSec,
          reconnects: data.reconnects,
          ...(data.resumedFrom ? { resumedFrom: data.resumedFrom } : {}),
          ...(data.verify ? { verified: data.verify.ok, verifyMismatches: data.verify.mismatches.length } : {}),
        },
        findings: redisFindings(data),
        data,
      },
      view: redisWarmView,
    };
  } finally {
    await closeDb?.();
  }
}

/** Rows of a query, 1,000 at a time, from a cursor on one connection (never the whole result). */
async function* cursorRows(conn: import('../../connectors/postgres.js').PgConnection, sql: string): AsyncGenerator<Record<string, unknown>[]> {
  const { default: Cursor } = await import('pg-cursor');
  const { describePgError } = await import('../../connectors/postgres.js');
  const { inputError } = await import('../../cli/errors.js');
  const client = await conn.pool.connect().catch((e: unknown) => Promise.reject(describePgError(e, conn.target)));
  let broken: Error | undefined;
  try {
    const cursor = client.query(new Cursor(sql));
    try {
      for (;;) {
        let rows: Record<string, unknown>[];
        try {
          rows = await cursor.read(1000);
        } catch (e) {
          const err = e as { code?: string; message?: string };
          // An error in the query itself (syntax, missing table or column, permission) is the user's input.
          if (err.code && /^(42|22|0A)/.test(err.code)) throw inputError(`--from sql:…: ${err.message}`, 'run the query in psql to check it; it must return key and value columns');
          broken = e as Error;
          throw describePgError(e, conn.target);
        }
        if (!rows.length) return;
        yield rows;
      }
    } finally {
      await cursor.close().catch(() => {});
    }
  } finally {
    client.release(broken);
  }
}

function redisFindings(d: RedisWarmData): Finding[] {
  const out: Finding[] = [];
  if (d.counts.failed) {
    out.push({
      rule: 'warm-failed-items',
      severity: 'error',
      title: `${d.counts.failed.toLocaleString('en-US')} of ${d.items.toLocaleString('en-US')} items were not written`,
      message: d.errors
        .slice(0, 5)
        .map((e) => `line ${e.line}: ${e.message}`)
        .join('; '),
      evidence: { errors: d.errors.slice(0, 20), errorCount: d.errorCount },
      fix: 'fix those records (data.errors lists the first 20 with their line numbers) and run again; with --mode nx what is already written is skipped',
    });
  }
  if (d.verify && d.verify.mismatches.length) {
    out.push({
      rule: 'warm-verify-mismatch',
      severity: 'error',
      title: `${d.verify.mismatches.length} of ${d.verify.checked} sampled keys differ from the input after warming`,
      message: d.verify.mismatches
        .slice(0, 5)
        .map((m) => `${m.key}: ${m.why}`)
        .join('; '),
      evidence: { mismatches: d.verify.mismatches },
      fix: 'another writer may be changing these keys, or they were evicted (check maxmemory and the eviction policy)',
    });
  }
  if (!d.dryRun && d.items > 0 && d.counts.written === 0 && d.counts.skipped === d.items) {
    out.push({
      rule: 'warm-nothing-written',
      severity: 'info',
      title: 'Every key was already there: nothing was written',
      message: `--mode ${d.mode} leaves existing keys alone.`,
      fix: 'use --mode set to overwrite them',
    });
  }
  if (d.interrupted) {
    out.push({
      rule: 'warm-interrupted',
      severity: 'warn',
      title: 'Interrupted: not every item was warmed',
      message: `${d.items.toLocaleString('en-US')} items settled before the interrupt.`,
      fix: d.checkpoint ? 'run the same command with --resume' : 'run it again',
    });
  }
  return out;
}

function percent(v: string): number {
  const n = Number(v.trim().replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0 || n >= 100) throw usageError(`--ttl-jitter '${v}': not a percentage from 0 to 99`, 'write e.g. --ttl-jitter 10%');
  return n;
}
