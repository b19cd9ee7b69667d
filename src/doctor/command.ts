// `perfkit doctor`: what is available here and how to fix what is not. Gathers facts through the
// connectors (each probe bounded by a timeout), runs the checks in checks.ts, returns one report.
import { existsSync } from 'node:fs';
import os from 'node:os';
import type { CommandContext, CommandOutcome } from '../cli/context.js';
import type { Finding, Section } from '../report/model.js';
import { durationFlag } from '../util/flags.js';
import { which } from '../util/which.js';
import { findChrome } from '../connectors/chrome.js';
import { CHECKS, severityOf, type CheckResult, type CheckStatus, type Facts, type PgFacts, type RedisFacts } from './checks.js';

interface DoctorOptions {
  db?: string;
  redis?: string;
  statementTimeout?: string;
  lockTimeout?: string;
  connectTimeout?: string;
}

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix: string | null;
}

export interface DoctorData {
  checks: DoctorCheck[];
}

/** Doctor answers quickly even when a host black-holes packets. */
const DOCTOR_CONNECT_TIMEOUT_MS = 3_000;
const DOCTOR_STATEMENT_TIMEOUT_MS = 5_000;

const message = (e: unknown) => ({ message: (e as Error)?.message ?? String(e), hint: (e as { hint?: string })?.hint });

function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(onTimeout()), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function gatherFacts(ctx: CommandContext<DoctorOptions>, timeouts: { connectMs: number; statementMs: number; lockMs: number }, targets: Record<string, unknown>): Facts {
  const { env } = ctx.io;
  const { settings, options } = ctx;
  const once = <T>(fn: () => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= fn());
  };
  const postgres = once(async (): Promise<PgFacts> => {
    const { resolvePgTarget, connectPostgres } = await import('../connectors/postgres.js');
    let display: string | undefined;
    try {
      const target = resolvePgTarget({ flag: options.db, configUrl: settings.db.url, configSource: settings.db.urlSource }, env);
      target.secrets.forEach((s) => ctx.secret(s));
      targets.db = display = target.display;
      // query_timeout is client-side: a server that accepts the connection and then stalls still ends.
      const guarded = { ...target, config: { ...target.config, query_timeout: timeouts.statementMs + 1_000 } };
      const conn = await connectPostgres(guarded, {
        statementTimeoutMs: timeouts.statementMs,
        lockTimeoutMs: timeouts.lockMs,
        connectTimeoutMs: timeouts.connectMs,
        applicationName: 'perfkit doctor',
        maxConnections: 1,
      });
      await conn.close();
      const { info } = conn;
      return { ok: true, display: target.display, ...info };
    } catch (e) {
      return { ok: false, display, ...message(e) };
    }
  });
  const redis = once(async (): Promise<RedisFacts> => {
    const { resolveRedisTarget, connectRedis, closeRedis, describeRedisError } = await import('../connectors/redis.js');
    let display: string | undefined;
    try {
      const target = resolveRedisTarget({ flag: options.redis, configUrl: ctx.settings.redis.url, configSource: ctx.settings.redis.urlSource }, env);
      target.secrets.forEach((s) => ctx.secret(s));
      targets.redis = display = target.display;
      const client = await connectRedis(target, { connectTimeoutMs: timeouts.connectMs });
      try {
        const info = await client.info('server').catch((e: unknown) => Promise.reject(describeRedisError(e, target)));
        const field = (k: string) => new RegExp(`^${k}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? 'unknown';
        return { ok: true, display: target.display, version: field('redis_version'), mode: field('redis_mode') };
      } finally {
        await closeRedis(client);
      }
    } catch (e) {
      return { ok: false, display, ...message(e) };
    }
  });
  return {
    env,
    home: env.HOME || os.homedir(),
    postgres,
    redis,
    chrome: () => findChrome(env),
    which: (name) => which(name, env),
    fileExists: (file) => existsSync(file),
  };
}

export async function run(ctx: CommandContext): Promise<CommandOutcome<DoctorData>> {
  const options = ctx.options as DoctorOptions;
  const timeouts = {
    connectMs: durationFlag(options.connectTimeout, '--connect-timeout', DOCTOR_CONNECT_TIMEOUT_MS),
    statementMs: durationFlag(options.statementTimeout, '--statement-timeout', DOCTOR_STATEMENT_TIMEOUT_MS),
    lockMs: durationFlag(options.lockTimeout, '--lock-timeout', ctx.settings.db.lockTimeoutMs),
  };
  const targets: Record<string, unknown> = {};
  const facts = gatherFacts(ctx as CommandContext<DoctorOptions>, timeouts, targets);
  // A last guard over every check: whatever a probe does, doctor answers.
  const guardMs = timeouts.connectMs + timeouts.statementMs + 2_000;
  ctx.progress.start('checking PostgreSQL, Redis, Chromium and credentials');
  const results = await Promise.all(
    CHECKS.map((check) =>
      withTimeout(
        Promise.resolve()
          .then(() => check.run(facts))
          .catch((e): CheckResult => ({ status: 'error', detail: `check failed: ${(e as Error)?.message ?? String(e)}` })),
        guardMs,
        (): CheckResult => ({ status: 'error', detail: `no answer within ${Math.round(guardMs / 1000)} s`, fix: 'raise --connect-timeout, or check the network' }),
      ),
    ),
  );
  ctx.progress.stop();

  const checks: DoctorCheck[] = CHECKS.map((c, i) => ({ id: c.id, title: c.title, status: results[i].status, detail: results[i].detail, fix: results[i].fix ?? null }));
  const findings: Finding[] = CHECKS.flatMap((c, i): Finding[] => {
    const r = results[i];
    if (r.status === 'ok') return [];
    return [{ rule: `doctor/${c.id}`, severity: severityOf(r), title: `${c.title}: ${r.status}`, message: r.detail, ...(r.fix ? { fix: r.fix } : {}) }];
  });
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  return {
    result: {
      command: 'doctor',
      target: targets,
      summary: { checks: checks.length, ok: count('ok'), missing: count('missing'), errors: count('error') },
      findings,
      data: { checks },
    },
    view: doctorView,
  };
}

export function doctorView(data: DoctorData): Section[] {
  return [
    {
      title: 'Checks',
      kind: 'table',
      columns: ['check', 'status', 'detail', 'fix'],
      rows: data.checks.map((c) => [c.title, c.status, c.detail, c.fix ?? '']),
    },
  ];
}
