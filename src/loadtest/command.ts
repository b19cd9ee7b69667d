// `perfkit loadtest`: a bounded HTTP load test against an explicit target, closed model (autocannon
// connections) or open model (--rate/--phases, latency from the planned send), with thresholds checked
// at the end (and every 2 s with --abort-on-fail), shards for several machines, and an exact merge.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CommandContext, CommandOutcome } from '../cli/context.js';
import { connectError, usageError } from '../cli/errors.js';
import { evaluateThresholds } from '../budget/evaluate.js';
import { durationFlag, numberFlag } from '../util/flags.js';
import { sequenceOf, type ClosedOptions } from './closed.js';
import { loadView, type LoadData } from './view.js';
import { parsePhases, plannedCount, scalePhases, totalMs, type Phase } from './phases.js';
import { Recorder, type Snapshot } from './recorder.js';
import { weightedPicker, type Check, type RequestConfig, type RequestSpec } from './requests.js';
import { summaryOf, loadFindings } from './summary.js';
import { requestSpecs } from './inputs.js';
import type { GeneratorHealth } from './open.js';

export interface LoadOptions {
  connections?: string;
  pipelining?: string;
  duration?: string;
  amount?: string;
  workers?: string;
  warmup?: string;
  rate?: string;
  phases?: string;
  maxLag?: string;
  method?: string;
  header?: string[];
  body?: string;
  json?: string;
  har?: string;
  expectStatus?: string;
  expectBody?: string;
  expectJson?: string[];
  timeout?: string;
  abortOnFail?: boolean;
  shard?: string;
  emit?: string;
  shards?: string;
}

export async function run(ctx: CommandContext): Promise<CommandOutcome<LoadData>> {
  const o = ctx.options as LoadOptions;
  if (ctx.args[0] === 'merge') {
    const { runMerge } = await import('./merge-command.js');
    return runMerge(ctx, ctx.args.slice(1));
  }
  const cfg = (ctx.settings.file.loadtest ?? {}) as { target?: string; requests?: RequestConfig[]; mode?: 'sequence' | 'mix' };
  const target = ctx.args[0] ?? cfg.target;
  if (!target) throw usageError('no target: perfkit loadtest needs the URL to load', 'write e.g. perfkit loadtest http://127.0.0.1:3000/api/items -d 30s (or loadtest.target in the config)');
  let targetUrl: URL;
  try {
    targetUrl = new URL(target);
  } catch {
    throw usageError(`'${target}' is not a URL`, 'write e.g. http://127.0.0.1:3000/ (loadtest sends load only where you point it)');
  }
  if (targetUrl.protocol !== 'http:' && targetUrl.protocol !== 'https:') throw usageError(`'${target}': only http and https targets`, 'write e.g. http://127.0.0.1:3000/');

  // The load model and its bounds.
  const open = o.rate !== undefined || o.phases !== undefined;
  if (o.rate !== undefined && o.phases !== undefined) throw usageError('--rate and --phases together', '--rate R -d 60s is the phase "60s:R"; give one of them');
  if (open && (o.pipelining !== undefined || o.amount !== undefined || o.workers !== undefined)) throw usageError('--pipelining, --amount and --workers belong to the closed model', 'drop them, or drop --rate/--phases for a closed-model run');
  const durationMs = durationFlag(o.duration, '--duration', 10_000);
  const warmupMs = o.warmup !== undefined ? durationFlag(o.warmup, '--warmup', 5_000) : 0;
  const timeoutMs = durationFlag(o.timeout, '--timeout', 10_000);
  const shard = o.shard !== undefined ? parseShard(o.shard) : { index: 1, of: 1 };
  let phases: Phase[] | undefined;
  if (open) {
    if (o.phases !== undefined) {
      try {
        phases = parsePhases(o.phases);
      } catch (e) {
        throw usageError(`--phases '${o.phases}': ${(e as Error).message}`, 'write e.g. --phases "10s:0->200,60s:200,10s:200->0"');
      }
    } else {
      const rate = numberFlag(o.rate, '--rate', 100);
      if (rate <= 0) throw usageError(`--rate '${o.rate}': must be above 0`, 'write e.g. --rate 200');
      phases = [{ durationMs: durationMs + warmupMs, from: rate, to: rate }];
    }
    if (shard.of > 1) phases = scalePhases(phases, 1 / shard.of);
  }

  if (o.emit !== undefined) {
    if (o.emit !== 'k8s-job') throw usageError(`--emit '${o.emit}': unknown`, 'use --emit k8s-job');
    const { k8sJob } = await import('./emit.js');
    const shards = numberFlag(o.shards, '--shards', 2, { min: 1, integer: true });
    return emitted(target, k8sJob({ argv: ctx.io.runtime.argv, shards }));
  }

  const specs = await requestSpecs(ctx, o, cfg, targetUrl.href);
  const connectionsFlag = o.connections !== undefined ? numberFlag(o.connections, '--connections', 10, { min: 1, integer: true }) : undefined;
  const pipelining = numberFlag(o.pipelining, '--pipelining', 1, { min: 1, integer: true });
  const amount = o.amount !== undefined ? numberFlag(o.amount, '--amount', 1000, { min: 1, integer: true }) : undefined;
  const workers = numberFlag(o.workers, '--workers', 1, { min: 1, integer: true });
  const maxLagMs = durationFlag(o.maxLag, '--max-lag', 1_000);
  const mode = cfg.mode ?? 'sequence';
  let connections = connectionsFlag ?? (open ? 100 : 10);
  if (shard.of > 1 && !open) connections = Math.max(1, Math.round(connections / shard.of));

  const { assertReachable } = await import('../connectors/http.js');
  await assertReachable(targetUrl, Math.min(timeoutMs, 5_000));

  const rec = new Recorder(
    specs.map((s) => s.name),
    Date.now() + warmupMs,
  );
  // --abort-on-fail: every 2 s, the thresholds on what is measured so far.
  const controller = new AbortController();
  const stopAll = () => controller.abort();
  ctx.signal.addEventListener('abort', stopAll, { once: true });
  let abortedBy: string | null = null;
  let lastCheck = 0;
  const started = Date.now();
  const planned = open && phases ? plannedCount(phases) : undefined;
  const totalPlannedMs = open && phases ? totalMs(phases) : amount === undefined ? durationMs + warmupMs : undefined;
  const onTick = (elapsedMs: number) => {
    const p = rec.peek();
    const pct = totalPlannedMs ? Math.min(100, Math.round((elapsedMs / totalPlannedMs) * 100)) : undefined;
    ctx.progress.update(`${open ? 'open' : 'closed'} model: ${p.counts.requests.toLocaleString('en-US')} requests${planned ? ` of ~${planned.toLocaleString('en-US')}` : ''}, ${p.counts.errors} errors${pct !== undefined ? ` (${pct}%)` : ''}`);
    if (o.abortOnFail && elapsedMs - lastCheck >= 2_000 && Date.now() >= rec.measureFromMs + 2_000) {
      lastCheck = elapsedMs;
      const snap = rec.snapshot((Date.now() - rec.measureFromMs) / 1000);
      const failing = evaluateThresholds(summaryOf(snap, null), ctx.thresholds).find((b) => b.status === 'fail' && b.level === 'error');
      if (failing) {
        abortedBy = `${failing.metric} ${failing.operator} ${failing.threshold} failed after ${Math.round(elapsedMs / 1000)} s (actual ${failing.actual})`;
        controller.abort();
      }
    }
  };

  ctx.progress.start(`loading ${targetUrl.origin}`);
  let health: GeneratorHealth | null = null;
  let snapshot: Snapshot;
  if (open && phases) {
    const { runOpen } = await import('./open.js');
    health = await runOpen({ specs, pick: weightedPicker(specs, mode), phases, connections, timeoutMs, maxLagMs, warmupMs, signal: controller.signal, onTick }, rec);
    snapshot = rec.snapshot(Math.max(0.001, (Date.now() - rec.measureFromMs) / 1000));
  } else {
    const closed: Omit<ClosedOptions, 'signal' | 'onTick'> = { specs, sequence: sequenceOf(specs.map((s) => s.weight), mode), connections, pipelining, durationMs, amount, warmupMs, timeoutMs };
    snapshot = workers > 1 ? await closedOnWorkers(closed, specs, workers, controller.signal, onTick) : await closedHere(closed, rec, controller.signal, onTick);
  }
  ctx.signal.removeEventListener('abort', stopAll);
  if (snapshot.counts.requests > 0 && snapshot.counts.errorsByKind.refused === snapshot.counts.requests) {
    throw connectError(`${targetUrl.host} refused every connection (${snapshot.counts.requests} attempts)`, 'is the server still up? it answered when the test started');
  }

  const data: LoadData = {
    model: open ? 'open' : 'closed',
    target: targetUrl.href,
    settings: {
      connections,
      pipelining: open ? null : pipelining,
      durationMs: open ? null : amount === undefined ? durationMs : null,
      amount: amount ?? null,
      workers: open ? 1 : workers,
      warmupMs,
      timeoutMs,
      phases: phases ?? null,
      maxLagMs: open ? maxLagMs : null,
      mode,
      shard,
    },
    requests: specs.map((s) => ({ name: s.name, method: s.method, url: s.url, weight: s.weight, checks: s.checks.map((c) => JSON.stringify(c)) })),
    generator: health,
    abortedBy,
    elapsedMs: Date.now() - started,
    ...snapshot,
  };
  return {
    result: {
      command: 'loadtest',
      target: { url: targetUrl.href, shard: shard.of > 1 ? `${shard.index}/${shard.of}` : undefined },
      environment: { model: data.model, cpus: os.cpus().length, node: process.version },
      summary: summaryOf(snapshot, health),
      findings: loadFindings(data),
      data,
    },
    view: loadView,
  };
}

async function closedHere(opts: Omit<ClosedOptions, 'signal' | 'onTick'>, rec: Recorder, signal: AbortSignal, onTick: (ms: number) => void): Promise<Snapshot> {
  const { runClosed } = await import('./closed.js');
  await runClosed({ ...opts, signal, onTick }, rec);
  return rec.snapshot(Math.max(0.001, (Date.now() - rec.measureFromMs) / 1000));
}

/** --workers N: N threads, each with its share of the connections (and of --amount); snapshots merge exactly. */
async function closedOnWorkers(opts: Omit<ClosedOptions, 'signal' | 'onTick'>, specs: RequestSpec[], n: number, signal: AbortSignal, onTick: (ms: number) => void): Promise<Snapshot> {
  const { mergeSnapshots } = await import('./merge.js');
  const share = (total: number, i: number) => Math.floor(total / n) + (i < total % n ? 1 : 0);
  const started = Date.now();
  const ticker = setInterval(() => onTick(Date.now() - started), 1000);
  const workers: Worker[] = [];
  try {
    const snaps = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const job = { options: { ...opts, specs: specs.map(({ checks, ...s }) => ({ ...s, checks: checks as Check[] })), connections: Math.max(1, share(opts.connections, i)), amount: opts.amount !== undefined ? Math.max(1, share(opts.amount, i)) : undefined }, names: specs.map((s) => s.name) };
        const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
        workers.push(w);
        signal.addEventListener('abort', () => w.postMessage('stop'), { once: true });
        return new Promise<Snapshot>((resolve, reject) => {
          w.once('message', (m: { ok: boolean; snapshot?: Snapshot; error?: string }) => (m.ok ? resolve(m.snapshot as Snapshot) : reject(new Error(m.error))));
          w.once('error', reject);
        });
      }),
    );
    return mergeSnapshots(snaps);
  } finally {
    clearInterval(ticker);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}


function parseShard(v: string): { index: number; of: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw usageError(`--shard '${v}': not i/N with 1 ≤ i ≤ N`, 'write e.g. --shard 2/4 (this machine runs the second of four shares)');
  return { index: Number(m[1]), of: Number(m[2]) };
}

function emitted(target: string, manifest: string): CommandOutcome<LoadData> {
  return { result: { command: 'loadtest', target: { url: target }, summary: {}, findings: [], data: {} as LoadData }, raw: manifest };
}
