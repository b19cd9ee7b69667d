// Exact merging of load results: shards run on several machines, or workers on several cores, each
// write a snapshot with encoded HDR histograms; adding the histograms gives the percentiles of all the
// samples together (never an average of percentiles). Counters add; the timeline adds second by second.
import { decodeHistogram, encodeHistogram, newHistogram } from '../util/histogram.js';
import { encoded, type Counts, type EncodedHist, type SecondRow, type Snapshot } from './recorder.js';

function mergeHists(list: Array<EncodedHist | null | undefined>): EncodedHist | null {
  const present = list.filter((x): x is EncodedHist => Boolean(x));
  if (!present.length) return null;
  const h = newHistogram('fast');
  for (const e of present) h.add(decodeHistogram(e.encoded, 'fast'));
  return encoded(h);
}

const addRecords = (a: Record<string, number>, b: Record<string, number>) => {
  for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
  return a;
};

function addCounts(a: Counts, b: Counts): Counts {
  return {
    requests: a.requests + b.requests,
    completed: a.completed + b.completed,
    errors: a.errors + b.errors,
    non2xx: a.non2xx + b.non2xx,
    dropped: a.dropped + b.dropped,
    bytes: a.bytes + b.bytes,
    checksFailed: a.checksFailed + b.checksFailed,
    errorsByKind: {
      timeout: a.errorsByKind.timeout + b.errorsByKind.timeout,
      reset: a.errorsByKind.reset + b.errorsByKind.reset,
      refused: a.errorsByKind.refused + b.errorsByKind.refused,
      other: a.errorsByKind.other + b.errorsByKind.other,
    },
  };
}

/** Snapshots that ran at the same time (shards, workers): counts add, histograms add, seconds line up. */
export function mergeSnapshots(snaps: Snapshot[]): Snapshot {
  if (snaps.length === 1) return snaps[0];
  const counts = snaps.slice(1).reduce((acc, s) => addCounts(acc, s.counts), structuredClone(snaps[0].counts));
  const names = [...new Set(snaps.flatMap((s) => s.perRequest.map((p) => p.name)))];
  const perRequest = names.map((name) => {
    const parts = snaps.flatMap((s) => s.perRequest.filter((p) => p.name === name));
    return {
      name,
      counts: parts.reduce((a, p) => ({ requests: a.requests + p.counts.requests, errors: a.errors + p.counts.errors, non2xx: a.non2xx + p.counts.non2xx }), { requests: 0, errors: 0, non2xx: 0 }),
      statusCodes: parts.reduce((a, p) => addRecords(a, p.statusCodes), {} as Record<string, number>),
      latency: mergeHists(parts.map((p) => p.latency)) ?? parts[0].latency,
    };
  });
  const checks = new Map<string, { request: string; check: string; failures: number }>();
  for (const c of snaps.flatMap((s) => s.checks)) {
    const k = `${c.request}\u0000${c.check}`;
    const cur = checks.get(k);
    if (cur) cur.failures += c.failures;
    else checks.set(k, { ...c });
  }
  const maxSecond = Math.max(-1, ...snaps.flatMap((s) => s.timeline.map((r) => r.second)));
  const timeline: SecondRow[] = [];
  for (let sec = 0; sec <= maxSecond; sec++) {
    const rows = snaps.map((s) => s.timeline.find((r) => r.second === sec)).filter((r): r is SecondRow => Boolean(r));
    const encodedRows = rows.filter((r) => r.encoded);
    let p99Ms: number | null = null;
    let enc: string | null = null;
    if (encodedRows.length) {
      const h = newHistogram('fast');
      for (const r of encodedRows) h.add(decodeHistogram(r.encoded as string, 'fast'));
      p99Ms = h.getValueAtPercentile(99) / 1000;
      enc = encodeHistogram(h);
    }
    timeline.push({ second: sec, requests: rows.reduce((a, r) => a + r.requests, 0), errors: rows.reduce((a, r) => a + r.errors, 0), dropped: rows.reduce((a, r) => a + r.dropped, 0), p99Ms, encoded: enc });
  }
  return {
    counts,
    statusCodes: snaps.reduce((a, s) => addRecords(a, s.statusCodes), {} as Record<string, number>),
    latency: mergeHists(snaps.map((s) => s.latency)) as EncodedHist,
    uncorrected: mergeHists(snaps.map((s) => s.uncorrected)),
    perRequest,
    checks: [...checks.values()],
    timeline,
    // Shards run side by side: the run lasted as long as the longest.
    seconds: Math.max(...snaps.map((s) => s.seconds)),
  };
}
