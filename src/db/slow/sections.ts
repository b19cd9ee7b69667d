// The secondary sections of `db slow` from logs: errors by message, temporary files, lock waits, checkpoints,
// autovacuum/analyze per table and connections. Counted in integers (µs, bytes) so merges are exact. Pure.
import type { LogEvent } from './model.js';
import type { FingerprintFn } from './fingerprint.js';
import { toUs } from '../../util/histogram.js';

type Ev<K extends LogEvent['kind']> = Extract<LogEvent, { kind: K }>;

/** Distinct error messages kept; the rest are counted under `other` (exact merges below this bound). */
export const MAX_ERROR_CLASSES = 1000;

export interface ErrorClass { severity: string; sqlstate: string | null; message: string; count: number; example: { message: string; at: string; statement?: string } }
export interface ByQuery { query: string; count: number; total: number; max: number }
export interface SectionsState {
  errors: Array<[string, ErrorClass]>;
  errorsOther: number;
  tempFiles: { count: number; totalBytes: number; maxBytes: number; byQuery: Array<[string, ByQuery]> };
  lockWaits: { count: number; totalWaitUs: number; maxWaitUs: number; byMode: Array<[string, number]>; byQuery: Array<[string, ByQuery]> };
  checkpoints: { started: number; completed: number; byReason: Array<[string, number]>; totalBuffers: number; totalUs: number; maxWriteUs: number; maxSyncUs: number; maxTotalUs: number };
  autovacuum: Array<[string, { vacuums: number; analyzes: number; totalElapsedUs: number; maxElapsedUs: number }]>;
  connections: { received: number; authorized: number; disconnections: number; sessions: number; sessionTotalUs: number; sessionMaxUs: number };
}

const NO_STATEMENT = '(no statement logged)';
export const sortedEntries = <V>(m: Map<string, V>): Array<[string, V]> => [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const bump = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);

/** Error text with its data taken out: numbers and 'quoted values' become ?, a trailing ": "value"" too. */
export function normalizeErrorMessage(message: string): string {
  return message
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/: "(?:[^"]|"")*"$/, ': "?"')
    .replace(/(?<![\w$])-?\d+(?:\.\d+)?(?![\w$])/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
}

export class Sections {
  errors = new Map<string, ErrorClass>();
  errorsOther = 0;
  temp = { count: 0, totalBytes: 0, maxBytes: 0, byQuery: new Map<string, ByQuery>() };
  locks = { count: 0, totalWaitUs: 0, maxWaitUs: 0, byMode: new Map<string, number>(), byQuery: new Map<string, ByQuery>() };
  checkpoints = { started: 0, completed: 0, byReason: new Map<string, number>(), totalBuffers: 0, totalUs: 0, maxWriteUs: 0, maxSyncUs: 0, maxTotalUs: 0 };
  vacuum = new Map<string, { vacuums: number; analyzes: number; totalElapsedUs: number; maxElapsedUs: number }>();
  conns = { received: 0, authorized: 0, disconnections: 0, sessions: 0, sessionTotalUs: 0, sessionMaxUs: 0 };

  add(e: Exclude<LogEvent, { kind: 'statement' | 'plan' }>, fingerprint: FingerprintFn): void {
    switch (e.kind) {
      case 'error':
        return this.addError(e);
      case 'tempfile': {
        const t = this.temp;
        t.count++;
        t.totalBytes += e.bytes;
        t.maxBytes = Math.max(t.maxBytes, e.bytes);
        return addByQuery(t.byQuery, e.statement, e.bytes, fingerprint);
      }
      case 'lockwait': {
        const l = this.locks;
        const us = toUs(e.waitMs ?? 0);
        l.count++;
        l.totalWaitUs += us;
        l.maxWaitUs = Math.max(l.maxWaitUs, us);
        if (e.lockMode) bump(l.byMode, e.lockMode);
        return addByQuery(l.byQuery, e.statement, us, fingerprint);
      }
      case 'checkpoint': {
        const c = this.checkpoints;
        if (e.phase === 'starting') {
          c.started++;
          bump(c.byReason, e.reason ?? 'unknown');
          return;
        }
        c.completed++;
        c.totalBuffers += e.buffers ?? 0;
        c.totalUs += toUs(e.totalMs ?? 0);
        c.maxWriteUs = Math.max(c.maxWriteUs, toUs(e.writeMs ?? 0));
        c.maxSyncUs = Math.max(c.maxSyncUs, toUs(e.syncMs ?? 0));
        c.maxTotalUs = Math.max(c.maxTotalUs, toUs(e.totalMs ?? 0));
        return;
      }
      case 'autovacuum': {
        let v = this.vacuum.get(e.table);
        if (!v) this.vacuum.set(e.table, (v = { vacuums: 0, analyzes: 0, totalElapsedUs: 0, maxElapsedUs: 0 }));
        if (e.action === 'vacuum') v.vacuums++;
        else v.analyzes++;
        const us = toUs(e.elapsedMs ?? 0);
        v.totalElapsedUs += us;
        v.maxElapsedUs = Math.max(v.maxElapsedUs, us);
        return;
      }
      case 'connection': {
        const c = this.conns;
        if (e.action === 'received') c.received++;
        else if (e.action === 'authorized') c.authorized++;
        else {
          c.disconnections++;
          if (e.sessionMs !== undefined) {
            const us = toUs(e.sessionMs);
            c.sessions++;
            c.sessionTotalUs += us;
            c.sessionMaxUs = Math.max(c.sessionMaxUs, us);
          }
        }
      }
    }
  }

  private addError(e: Ev<'error'>): void {
    const message = normalizeErrorMessage(e.message);
    const key = `${e.severity}\u0000${e.sqlstate ?? ''}\u0000${message}`;
    const known = this.errors.get(key);
    if (known) known.count++;
    else if (this.errors.size >= MAX_ERROR_CLASSES) this.errorsOther++;
    else {
      const example = { message: e.message, at: e.meta.at, ...(e.statement ? { statement: e.statement.slice(0, 10_000) } : {}) };
      this.errors.set(key, { severity: e.severity, sqlstate: e.sqlstate ?? null, message, count: 1, example });
    }
  }

  /** Adds other's counts (other is later in the logs: on ties, examples already here are kept). */
  merge(o: Sections): void {
    for (const [k, v] of o.errors) {
      const known = this.errors.get(k);
      if (known) known.count += v.count;
      else if (this.errors.size >= MAX_ERROR_CLASSES) this.errorsOther += v.count;
      else this.errors.set(k, { ...v, example: { ...v.example } });
    }
    this.errorsOther += o.errorsOther;
    sum(this.temp, o.temp, ['count', 'totalBytes'], ['maxBytes']);
    mergeByQuery(this.temp.byQuery, o.temp.byQuery);
    sum(this.locks, o.locks, ['count', 'totalWaitUs'], ['maxWaitUs']);
    for (const [k, n] of o.locks.byMode) bump(this.locks.byMode, k, n);
    mergeByQuery(this.locks.byQuery, o.locks.byQuery);
    sum(this.checkpoints, o.checkpoints, ['started', 'completed', 'totalBuffers', 'totalUs'], ['maxWriteUs', 'maxSyncUs', 'maxTotalUs']);
    for (const [k, n] of o.checkpoints.byReason) bump(this.checkpoints.byReason, k, n);
    for (const [k, v] of o.vacuum) {
      const mine = this.vacuum.get(k);
      if (mine) sum(mine, v, ['vacuums', 'analyzes', 'totalElapsedUs'], ['maxElapsedUs']);
      else this.vacuum.set(k, { ...v });
    }
    sum(this.conns, o.conns, ['received', 'authorized', 'disconnections', 'sessions', 'sessionTotalUs'], ['sessionMaxUs']);
  }

  toJSON(): SectionsState {
    const { byQuery: tq, ...temp } = this.temp;
    const { byQuery: lq, byMode, ...locks } = this.locks;
    const { byReason, ...checkpoints } = this.checkpoints;
    return {
      errors: sortedEntries(this.errors),
      errorsOther: this.errorsOther,
      tempFiles: { ...temp, byQuery: sortedEntries(tq) },
      lockWaits: { ...locks, byMode: sortedEntries(byMode), byQuery: sortedEntries(lq) },
      checkpoints: { ...checkpoints, byReason: sortedEntries(byReason) },
      autovacuum: sortedEntries(this.vacuum),
      connections: { ...this.conns },
    };
  }

  static fromJSON(s: SectionsState): Sections {
    const x = new Sections();
    x.errors = new Map(s.errors.map(([k, v]) => [k, { ...v }]));
    x.errorsOther = s.errorsOther;
    x.temp = { ...s.tempFiles, byQuery: new Map(s.tempFiles.byQuery.map(([k, v]) => [k, { ...v }])) };
    x.locks = { ...s.lockWaits, byMode: new Map(s.lockWaits.byMode), byQuery: new Map(s.lockWaits.byQuery.map(([k, v]) => [k, { ...v }])) };
    x.checkpoints = { ...s.checkpoints, byReason: new Map(s.checkpoints.byReason) };
    x.vacuum = new Map(s.autovacuum.map(([k, v]) => [k, { ...v }]));
    x.conns = { ...s.connections };
    return x;
  }
}


function addByQuery(m: Map<string, ByQuery>, statement: string | undefined, amount: number, fingerprint: FingerprintFn): void {
  const f = statement ? fingerprint(statement) : { fingerprint: NO_STATEMENT, query: NO_STATEMENT };
  const q = m.get(f.fingerprint);
  if (q) {
    q.count++;
    q.total += amount;
    q.max = Math.max(q.max, amount);
  } else m.set(f.fingerprint, { query: f.query, count: 1, total: amount, max: amount });
}

function mergeByQuery(into: Map<string, ByQuery>, from: Map<string, ByQuery>): void {
  for (const [k, v] of from) {
    const q = into.get(k);
    if (q) sum(q, v, ['count', 'total'], ['max']);
    else into.set(k, { ...v });
  }
}

function sum<T extends object>(into: T, from: T, add: Array<keyof T>, max: Array<keyof T>): void {
  const a = into as Record<keyof T, number>;
  const b = from as Record<keyof T, number>;
  for (const k of add) a[k] += b[k];
  for (const k of max) a[k] = Math.max(a[k], b[k]);
}
