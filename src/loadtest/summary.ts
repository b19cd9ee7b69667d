// The loadtest summary (the names budgets and thresholds use) and findings. Pure.
import type { Finding, Summary } from '../report/model.js';
import type { GeneratorHealth } from './open.js';
import type { Snapshot } from './recorder.js';
import type { LoadData } from './view.js';

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function summaryOf(s: Snapshot, health: GeneratorHealth | null): Summary {
  const c = s.counts;
  const secs = Math.max(0.001, s.seconds);
  const l = s.latency;
  const out: Summary = {
    requests: c.requests,
    rps: r3(c.completed / secs),
    errors: c.errors,
    // A failed request: no response (error), or a status outside 2xx.
    errorRate: c.requests ? r3((c.errors + c.non2xx) / c.requests) : 0,
    non2xx: c.non2xx,
    dropped: c.dropped,
    bytesPerSec: Math.round(c.bytes / secs),
    checksFailed: c.checksFailed,
    timeouts: c.errorsByKind.timeout,
    'latency.min': l.min,
    'latency.mean': l.mean,
    'latency.p50': l.p50,
    'latency.p75': l.p75,
    'latency.p90': l.p90,
    'latency.p95': l.p95,
    'latency.p99': l.p99,
    'latency.p999': l.p999,
    'latency.max': l.max,
  };
  if (s.uncorrected) {
    out['uncorrected.p50'] = s.uncorrected.p50;
    out['uncorrected.p99'] = s.uncorrected.p99;
  }
  if (health) {
    out.valid = health.valid ? 1 : 0;
    out['generator.lagP99'] = r3(health.sendLagP99Ms);
    out['generator.cpuPct'] = health.cpuPct;
  }
  return out;
}

export function loadFindings(d: LoadData): Finding[] {
  const out: Finding[] = [];
  if (d.generator && !d.generator.valid) {
    out.push({
      rule: 'loadtest-invalid',
      severity: 'error',
      title: 'The numbers describe the load generator, not the server',
      message: d.generator.invalidReason ?? 'the generator fell behind',
      evidence: { ...d.generator },
      fix: 'lower --rate, or split the load over several processes or machines with --shard i/N and merge them',
    });
  }
  if (d.counts.dropped > 0) {
    out.push({
      rule: 'loadtest-dropped',
      severity: 'warn',
      title: `${d.counts.dropped.toLocaleString('en-US')} requests dropped: every connection was busy for longer than --max-lag`,
      message: `The server answered too slowly for the planned rate with ${d.settings.connections} connections; ${d.generator?.queued ?? 0} more requests had to wait for a connection (their wait is in the latency).`,
      evidence: { dropped: d.counts.dropped, connections: d.settings.connections },
      fix: 'the target is saturated at this rate; or raise --connections if the server can take more concurrency',
    });
  }
  const e = d.counts.errorsByKind;
  if (d.counts.errors > 0) {
    out.push({
      rule: 'loadtest-errors',
      severity: 'warn',
      title: `${d.counts.errors.toLocaleString('en-US')} requests failed without a response`,
      message: `timeouts ${e.timeout}, resets ${e.reset}, refused ${e.refused}, other ${e.other}`,
      evidence: { ...e },
      fix: e.timeout ? 'timeouts: the server is saturated, or raise --timeout' : 'resets and refusals: the server closed connections (crash, restart, connection limits)',
    });
  }
  for (const c of d.checks.filter((x) => x.failures > 0)) {
    out.push({
      rule: 'loadtest-check-failed',
      severity: 'warn',
      title: `Check failed ${c.failures.toLocaleString('en-US')} times: ${c.check}`,
      message: `request ${c.request}`,
      location: c.request,
      fix: 'the responses are not what the check expects: look at one with curl',
    });
  }
  if (d.abortedBy) {
    out.push({ rule: 'loadtest-aborted', severity: 'error', title: 'Stopped early by --abort-on-fail', message: d.abortedBy, fix: 'the threshold failed while the test ran; the numbers cover the time until then' });
  }
  return out;
}
