// The open model: requests leave on a schedule (evenly spaced, following the phases), whatever the server
// does. Latency is measured from each request's planned send time, as wrk2 does, so a slow server cannot
// hide its queueing (coordinated omission); the time from the actual send is kept as the uncorrected
// latency. A request that finds every connection busy waits; once it is --max-lag late it is dropped and
// counted. The generator watches itself: timer lag and its own CPU decide whether the run is valid.
import http from 'node:http';
import https from 'node:https';
import { build, type Histogram } from 'hdr-histogram-js';
import type { Recorder, ErrorKind } from './recorder.js';
import { plannedTimes, type Phase } from './phases.js';
import { failedChecks, type RequestSpec } from './requests.js';

export interface OpenOptions {
  specs: RequestSpec[];
  pick: () => number;
  phases: Phase[];
  connections: number;
  timeoutMs: number;
  maxLagMs: number;
  warmupMs: number;
  signal: AbortSignal;
  /** Called about once a second (abort-on-fail checks, progress). */
  onTick?(elapsedMs: number): void;
}

export interface GeneratorHealth {
  /** How late the generator itself sent requests that had a free connection (ms): timer and event-loop lag. */
  sendLagP50Ms: number;
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** Requests that waited for a free connection (the server was slower than the rate needs). */
  queued: number;
  /** The generator's own CPU over the run, % of one core. */
  cpuPct: number;
  valid: boolean;
  invalidReason: string | null;
}

/** The last stretch before a planned send is waited out with setImmediate rather than a timer. */
const SPIN_MS = 1.5;

/** Timer lag beyond this at p99 makes the run invalid: the generator, not the server, set the latency. */
export const MAX_TIMER_LAG_P99_MS = 10;

export function errorKind(e: NodeJS.ErrnoException | undefined): ErrorKind {
  const code = e?.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(e?.message ?? '')) return 'reset';
  if (code === 'ETIMEDOUT' || code === 'PERFKIT_TIMEOUT') return 'timeout';
  return 'other';
}

export async function runOpen(o: OpenOptions, rec: Recorder): Promise<GeneratorHealth> {
  const agentOpts = { keepAlive: true, maxSockets: o.connections, maxFreeSockets: o.connections, scheduling: 'fifo' as const };
  const agents = { http: new http.Agent(agentOpts), https: new https.Agent({ ...agentOpts, rejectUnauthorized: false }) };
  const lag: Histogram = build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3, autoResize: true });
  const wantsBody = o.specs.map((s) => s.checks.some((c) => c.bodyContains !== undefined || c.jsonPath !== undefined));
  const t0 = performance.now();
  const wall0 = Date.now();
  const cpu0 = process.cpuUsage();
  let inFlight = 0;
  const waiting: Array<{ planned: number; request: number }> = [];
  let lastTick = 0;
  let done: () => void = () => {};
  const allDone = new Promise<void>((r) => (done = r));
  let scheduling = true;

  const wallOf = (perfMs: number) => wall0 + (perfMs - t0);

  let queued = 0;
  const send = (planned: number, idx: number, direct: boolean) => {
    const spec = o.specs[idx];
    const started = performance.now();
    if (direct) lag.recordValue(Math.max(1, Math.round((started - planned) * 1000)));
    else queued++;
    inFlight++;
    const url = new URL(spec.url);
    const lib = url.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (status: number | undefined, bytes: number, body: string | undefined, err?: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const end = performance.now();
      rec.record({
        request: idx,
        atMs: wallOf(end),
        latencyUs: (end - planned) * 1000,
        uncorrectedUs: (end - started) * 1000,
        status,
        bytes,
        error: err ? errorKind(err) : undefined,
        failedChecks: err || !spec.checks.length ? undefined : failedChecks(spec.checks, status ?? 0, body),
      });
      inFlight--;
      pump();
    };
    const req = lib.request(url, { method: spec.method, headers: spec.headers, agent: url.protocol === 'https:' ? agents.https : agents.http });
    const timer = setTimeout(() => {
      req.destroy(Object.assign(new Error('timed out'), { code: 'PERFKIT_TIMEOUT' }));
    }, o.timeoutMs);
    req.on('response', (res) => {
      let bytes = 0;
      const chunks: Buffer[] | undefined = wantsBody[idx] ? [] : undefined;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        chunks?.push(c);
      });
      res.on('end', () => finish(res.statusCode, bytes, chunks ? Buffer.concat(chunks).toString('utf8') : undefined));
      res.on('error', (e) => finish(undefined, bytes, undefined, e));
    });
    req.on('error', (e) => finish(undefined, 0, undefined, e));
    req.end(spec.body);
  };

  /** Starts waiting requests while connections are free; drops those that waited past --max-lag. */
  const pump = () => {
    const now = performance.now();
    while (waiting.length && inFlight < o.connections) {
      const w = waiting.shift()!;
      if (now - w.planned > o.maxLagMs) rec.dropped(wallOf(now));
      else send(w.planned, w.request, false);
    }
    // Expire the rest too: a request that cannot leave on time is dropped, not sent late forever.
    while (waiting.length && now - waiting[0].planned > o.maxLagMs) {
      waiting.shift();
      rec.dropped(wallOf(now));
    }
    if (!scheduling && inFlight === 0 && !waiting.length) done();
  };

  const plan = plannedTimes(o.phases);
  let next = plan.next();
  let prevPlanned = 0;
  let spacingMs = 5;
  const loop = () => {
    const now = performance.now();
    if (o.signal.aborted) next = { done: true, value: undefined };
    while (!next.done && t0 + next.value <= now) {
      const planned = t0 + next.value;
      const idx = o.pick();
      if (inFlight < o.connections && !waiting.length) send(planned, idx, true);
      else waiting.push({ planned, request: idx });
      next = plan.next();
      if (!next.done) {
        spacingMs = next.value - prevPlanned;
        prevPlanned = next.value;
      }
    }
    pump();
    if (now - lastTick >= 1000) {
      lastTick = now;
      o.onTick?.(now - t0);
    }
    if (next.done) {
      scheduling = false;
      pump();
      return;
    }
    // Sleep until just before the next planned send, then yield to I/O until it is due: timers fire up to a
    // millisecond late, and that lateness would be added to every latency. Late sends are measured as late.
    // The yielding stretch is at most a fifth of the spacing between sends, so it costs at most ~20 % of a
    // core whatever the rate; at high rates timers batch several sends per wake-up anyway.
    const wait = t0 + next.value - performance.now();
    const spin = Math.min(SPIN_MS, spacingMs * 0.2);
    if (wait > spin) setTimeout(loop, wait - spin);
    else setImmediate(loop);
  };
  rec.measureFromMs = wall0 + o.warmupMs;
  loop();
  // Ticks while the last responses arrive.
  const ticker = setInterval(() => o.onTick?.(performance.now() - t0), 1000);
  await allDone;
  clearInterval(ticker);
  agents.http.destroy();
  agents.https.destroy();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuPct = ((cpu.user + cpu.system) / 1000 / Math.max(1, wallMs)) * 100;
  const q = (p: number) => (lag.totalCount ? lag.getValueAtPercentile(p) / 1000 : 0);
  const health: GeneratorHealth = { sendLagP50Ms: q(50), sendLagP99Ms: q(99), sendLagMaxMs: lag.totalCount ? lag.maxValue / 1000 : 0, queued, cpuPct: Math.round(cpuPct), valid: true, invalidReason: null };
  if (cpuPct > 90) health.invalidReason = `the generator's own CPU was ${Math.round(cpuPct)}% of a core: it cannot keep the schedule; lower the rate or run shards (--shard)`;
  else if (health.sendLagP99Ms > MAX_TIMER_LAG_P99_MS) health.invalidReason = `the generator sent 1% of its requests more than ${health.sendLagP99Ms.toFixed(1)} ms late (limit ${MAX_TIMER_LAG_P99_MS} ms): its event loop fell behind the schedule; lower the rate or run shards (--shard)`;
  health.valid = health.invalidReason === null;
  return health;
}
