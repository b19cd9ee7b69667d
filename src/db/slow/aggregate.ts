// Aggregates log events per query fingerprint: calls, exact totals/min/max in integer µs, an HDR histogram,
// first/last seen, the slowest example and plan, breakdowns by database/user/application, an hourly load
// histogram, a global histogram, and the secondary sections. Serializes to plain JSON that merges exactly. Pure.
import type { LogEvent, ReadStats } from './model.js';
import type { FingerprintFn } from './fingerprint.js';
import { decodeHistogram, encodeHistogram, newHistogram, promote, toUs, type Histogram } from '../../util/histogram.js';
import {
  addBreakdown, cloneBreakdowns, DIMENSIONS, mapRecord, MAX_FAST_HISTOGRAMS, minTime, PROMOTE_AT_CALLS,
  type AggregateState, type Example, type PlanSample, type QueryEntry, type ReadCounts,
} from './aggregate-state.js';
import { Sections } from './sections.js';
import { finishReport, type FinishOptions, type SlowLogReport } from './finish.js';

export type { FinishOptions, SlowLogReport } from './finish.js';
export * from './aggregate-state.js';

export interface AggregatorOptions {
  /** Example and plan texts longer than this are cut (default 20 000 characters). */
  maxTextLength?: number;
}

const byKey = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export class Aggregator {
  statements = 0;
  totalUs = 0;
  fallbackStatements = 0;
  global: Histogram = newHistogram('fast');
  queries = new Map<string, QueryEntry>();
  hourly = new Map<number, [calls: number, totalUs: number]>();
  plans = new Map<string, PlanSample>();
  sections = new Sections();
  read: ReadCounts = { files: [], bytes: 0, lines: 0, matched: 0, unparsed: 0 };
  private fast = 0;
  private readonly maxText: number;

  /** `fingerprint` is needed only to add events; merging and finishing saved states work without it. */
  constructor(
    private readonly fingerprint?: FingerprintFn,
    opts: AggregatorOptions = {},
  ) {
    this.maxText = opts.maxTextLength ?? 20_000;
  }

  add(e: LogEvent): void {
    const fp = this.fingerprint;
    if (!fp) throw new Error('Aggregator.add needs a fingerprint function');
    if (e.kind === 'statement') this.addStatement(e, fp);
    else if (e.kind === 'plan') this.addPlan(e, fp);
    else this.sections.add(e, fp);
  }

  addRead(stats: Pick<ReadStats, 'files' | 'bytes' | 'lines' | 'matched' | 'unparsed'>): void {
    const r = this.read;
    for (const f of stats.files) if (!r.files.includes(f)) r.files.push(f);
    r.bytes += stats.bytes;
    r.lines += stats.lines;
    r.matched += stats.matched;
    r.unparsed += stats.unparsed;
  }

  private addStatement(e: Extract<LogEvent, { kind: 'statement' }>, fp: FingerprintFn): void {
    const f = fp(e.query);
    const us = toUs(e.durationMs);
    const time = e.meta.time ?? null;
    this.statements++;
    this.totalUs += us;
    if (f.fallback) this.fallbackStatements++;
    this.global.recordValue(us);
    if (time !== null) {
      const hour = Math.floor(time / 3_600_000) * 3_600_000;
      const h = this.hourly.get(hour);
      if (h) (h[0]++, (h[1] += us));
      else this.hourly.set(hour, [1, us]);
    }
    let q = this.queries.get(f.fingerprint);
    if (!q) {
      q = { fingerprint: f.fingerprint, query: f.query, fallback: f.fallback, calls: 0, totalUs: 0, minUs: us, maxUs: us, hist: newHistogram('packed'),
        firstSeen: time, lastSeen: time, example: this.example(e, us), breakdowns: { database: new Map(), user: new Map(), application: new Map() } };
      this.queries.set(f.fingerprint, q);
    } else if (us > q.example.durationUs) q.example = this.example(e, us);
    q.calls++;
    q.totalUs += us;
    if (us < q.minUs) q.minUs = us;
    if (us > q.maxUs) q.maxUs = us;
    if (time !== null) {
      if (q.firstSeen === null || time < q.firstSeen) q.firstSeen = time;
      if (q.lastSeen === null || time > q.lastSeen) q.lastSeen = time;
    }
    q.hist.recordValue(us);
    if (q.calls === PROMOTE_AT_CALLS && this.fast < MAX_FAST_HISTOGRAMS) (this.fast++, (q.hist = promote(q.hist)));
    for (const d of DIMENSIONS) {
      const name = e.meta[d];
      if (name !== undefined) addBreakdown(q.breakdowns[d], name, 1, us);
    }
  }

  private example(e: Extract<LogEvent, { kind: 'statement' }>, us: number): Example {
    const { database, user, application, at, time } = e.meta;
    const x: Example = { query: this.cut(e.query), at, time: time ?? null, durationUs: us };
    if (e.params?.length) x.params = e.params.map((p) => this.cut(p));
    if (database !== undefined) x.database = database;
    if (user !== undefined) x.user = user;
    if (application !== undefined) x.application = application;
    return x;
  }

  private addPlan(e: Extract<LogEvent, { kind: 'plan' }>, fp: FingerprintFn): void {
    if (!e.query) return;
    const f = fp(e.query);
    const us = toUs(e.durationMs);
    const known = this.plans.get(f.fingerprint);
    if (!known || us > known.durationUs) this.plans.set(f.fingerprint, { query: f.query, durationUs: us, format: e.planFormat, text: this.cut(e.plan), at: e.meta.at });
  }

  private cut(text: string): string {
    return text.length > this.maxText ? text.slice(0, this.maxText) + '…' : text;
  }

  /** Adds `o`, which covers later log data than this one: on equal durations the earlier example is kept. */
  merge(o: Aggregator): this {
    this.statements += o.statements;
    this.totalUs += o.totalUs;
    this.fallbackStatements += o.fallbackStatements;
    this.global.add(o.global);
    for (const [hour, [calls, us]] of o.hourly) {
      const h = this.hourly.get(hour);
      if (h) (h[0] += calls, (h[1] += us));
      else this.hourly.set(hour, [calls, us]);
    }
    for (const [k, oq] of o.queries) {
      const q = this.queries.get(k);
      if (!q) {
        this.queries.set(k, { ...oq, hist: this.histogramFor(oq.calls, oq.hist), example: { ...oq.example }, breakdowns: cloneBreakdowns(oq.breakdowns) });
        continue;
      }
      if (oq.example.durationUs > q.example.durationUs) q.example = { ...oq.example };
      const wasHot = q.calls >= PROMOTE_AT_CALLS;
      q.calls += oq.calls;
      q.totalUs += oq.totalUs;
      q.minUs = Math.min(q.minUs, oq.minUs);
      q.maxUs = Math.max(q.maxUs, oq.maxUs);
      q.firstSeen = minTime(q.firstSeen, oq.firstSeen);
      q.lastSeen = oq.lastSeen === null ? q.lastSeen : q.lastSeen === null ? oq.lastSeen : Math.max(q.lastSeen, oq.lastSeen);
      q.hist.add(oq.hist);
      if (!wasHot && q.calls >= PROMOTE_AT_CALLS && this.fast < MAX_FAST_HISTOGRAMS) (this.fast++, (q.hist = promote(q.hist)));
      for (const d of DIMENSIONS) for (const [name, [c, us]] of oq.breakdowns[d]) addBreakdown(q.breakdowns[d], name, c, us);
    }
    for (const [k, p] of o.plans) {
      const known = this.plans.get(k);
      if (!known || p.durationUs > known.durationUs) this.plans.set(k, { ...p });
    }
    this.sections.merge(o.sections);
    this.addRead(o.read);
    return this;
  }

  private histogramFor(calls: number, from: Histogram): Histogram {
    const hot = calls >= PROMOTE_AT_CALLS && this.fast < MAX_FAST_HISTOGRAMS;
    if (hot) this.fast++;
    const h = newHistogram(hot ? 'fast' : 'packed');
    h.add(from);
    return h;
  }

  toJSON(): AggregateState {
    const queries = [...this.queries.values()]
      .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1))
      .map((q) => ({ ...q, hist: encodeHistogram(q.hist), breakdowns: mapRecord(q.breakdowns, (m) => [...m].sort(byKey)) }));
    return {
      version: 1,
      statements: this.statements,
      totalUs: this.totalUs,
      fallbackStatements: this.fallbackStatements,
      global: encodeHistogram(this.global),
      queries,
      hourly: [...this.hourly].sort((a, b) => a[0] - b[0]).map(([h, [c, us]]) => [h, c, us]),
      plans: [...this.plans].sort(byKey),
      sections: this.sections.toJSON(),
      read: { ...this.read, files: [...this.read.files] },
    };
  }

  static fromJSON(s: AggregateState, fingerprint?: FingerprintFn, opts?: AggregatorOptions): Aggregator {
    if (s?.version !== 1) throw new Error(`unsupported db slow aggregate version ${String(s?.version)}`);
    const a = new Aggregator(fingerprint, opts);
    a.statements = s.statements;
    a.totalUs = s.totalUs;
    a.fallbackStatements = s.fallbackStatements;
    a.global = decodeHistogram(s.global, 'fast');
    for (const q of s.queries) {
      const hot = q.calls >= PROMOTE_AT_CALLS && a.fast < MAX_FAST_HISTOGRAMS;
      if (hot) a.fast++;
      a.queries.set(q.fingerprint, { ...q, hist: decodeHistogram(q.hist, hot ? 'fast' : 'packed'), example: { ...q.example },
        breakdowns: mapRecord(q.breakdowns, (pairs) => new Map(pairs.map(([k, v]) => [k, [...v] as [number, number]]))) });
    }
    a.hourly = new Map(s.hourly.map(([h, c, us]) => [h, [c, us]]));
    a.plans = new Map(s.plans.map(([k, p]) => [k, { ...p }]));
    a.sections = Sections.fromJSON(s.sections);
    a.read = { ...s.read, files: [...s.read.files] };
    return a;
  }

  /** The report's summary and data. `read` overrides the line counts accumulated with addRead/merge. */
  finish(opts: FinishOptions, read?: Pick<ReadStats, 'lines' | 'unparsed'>): SlowLogReport {
    return finishReport(this, opts, read);
  }
}

/** Merges two saved aggregates (b covers later log data than a). */
export function merge(a: AggregateState, b: AggregateState): AggregateState {
  return Aggregator.fromJSON(a).merge(Aggregator.fromJSON(b)).toJSON();
}

