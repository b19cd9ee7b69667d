// The shapes of `db slow` aggregation: a query's entry in memory, and the serialized aggregate that workers post
// back, `--state` keeps and a report's `data.state` carries. Types and small pure helpers.
import type { Histogram } from '../../util/histogram.js';
import type { SectionsState } from './sections.js';

/** Calls after which a query's histogram is promoted from packed to 32-bit, and how many may be. */
export const PROMOTE_AT_CALLS = 1000;
export const MAX_FAST_HISTOGRAMS = 256;
/** Distinct names kept per breakdown dimension and query; the rest are summed under `(other)`. */
export const MAX_BREAKDOWN_NAMES = 100;

export type Dimension = 'database' | 'user' | 'application';
export const DIMENSIONS: Dimension[] = ['database', 'user', 'application'];

export interface Example {
  query: string;
  params?: string[];
  at: string;
  time: number | null;
  durationUs: number;
  database?: string;
  user?: string;
  application?: string;
}
export interface PlanSample { query: string; durationUs: number; format: 'text' | 'json'; text: string; at: string }
export interface QueryEntry {
  fingerprint: string;
  query: string;
  fallback: boolean;
  calls: number;
  totalUs: number;
  minUs: number;
  maxUs: number;
  hist: Histogram;
  firstSeen: number | null;
  lastSeen: number | null;
  example: Example;
  breakdowns: Record<Dimension, Map<string, [calls: number, totalUs: number]>>;
}
export type Serialized<T> = { [K in keyof T]: T[K] extends Histogram ? string : T[K] extends Record<Dimension, Map<string, infer V>> ? Record<Dimension, Array<[string, V]>> : T[K] };
export type QueryState = Serialized<QueryEntry>;
export interface ReadCounts { files: string[]; bytes: number; lines: number; matched: number; unparsed: number }

/** The serialized aggregate: what workers post back, `--state` keeps and `data.state` carries. */
export interface AggregateState {
  version: 1;
  statements: number;
  totalUs: number;
  fallbackStatements: number;
  global: string;
  queries: QueryState[];
  hourly: Array<[hourEpochMs: number, calls: number, totalUs: number]>;
  plans: Array<[string, PlanSample]>;
  sections: SectionsState;
  read: ReadCounts;
}


export function addBreakdown(m: Map<string, [number, number]>, name: string, calls: number, us: number): void {
  const key = m.has(name) || m.size < MAX_BREAKDOWN_NAMES ? name : '(other)';
  const b = m.get(key);
  if (b) (b[0] += calls, (b[1] += us));
  else m.set(key, [calls, us]);
}

export function cloneBreakdowns(b: QueryEntry['breakdowns']): QueryEntry['breakdowns'] {
  return mapRecord(b, (m) => new Map([...m].map(([k, v]) => [k, [...v] as [number, number]])));
}

export function mapRecord<A, B>(r: Record<Dimension, A>, f: (a: A) => B): Record<Dimension, B> {
  return { database: f(r.database), user: f(r.user), application: f(r.application) };
}

export const minTime = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
