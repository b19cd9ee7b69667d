// --max-latency-ms: a PING every 50 ms on a second connection measures how long the server takes to
// answer while the scan runs; the scan slows down when it is over the target.
import type { RedisClient as Redis } from '../../connectors/redis.js';
import { sleep } from '../../util/retry.js';

export interface ThrottleReport {
  targetMs: number;
  probes: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  overTarget: number;
  startCount: number;
  finalCount: number;
  minCount: number;
  pausedMs: number;
}

export interface Probe {
  takeWindowMax(): number;
  report(targetMs: number, counts: { startCount: number; finalCount: number; minCount: number; pausedMs: number }): ThrottleReport;
  stop(): void;
}

/** PINGs every 50 ms on its own connection and keeps the round-trip times. */
export function startProbe(client: Redis): Probe {
  const all: number[] = [];
  let windowMax = 0;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const t0 = performance.now();
      try {
        await client.ping();
      } catch {
        return;
      }
      const ms = performance.now() - t0;
      if (all.length < 100_000) all.push(ms);
      windowMax = Math.max(windowMax, ms);
      await sleep(50);
    }
  };
  void loop();
  return {
    takeWindowMax() {
      const w = windowMax;
      windowMax = 0;
      return w;
    },
    report(targetMs, counts) {
      const sorted = [...all].sort((a, b) => a - b);
      const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
      const r2 = (x: number) => Math.round(x * 100) / 100;
      return { targetMs, probes: sorted.length, p50Ms: r2(at(50)), p99Ms: r2(at(99)), maxMs: r2(sorted.at(-1) ?? 0), overTarget: sorted.filter((x) => x > targetMs).length, ...counts };
    },
    stop() {
      stopped = true;
    },
  };
}
