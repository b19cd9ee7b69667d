// One log record (severity, message, DETAIL, STATEMENT, SQLSTATE — whatever the format) → LogEvent.
// Shared by the stderr, csvlog and jsonlog readers, so the three formats give the same events. Keeps the
// log_statement lines waiting, by pid, for the `duration: N ms` line that log_duration writes after them.
import type { LogEvent, LogMeta } from './model.js';
import { parsePlanMessage } from './plan-message.js';

export interface LogRecord {
  meta: LogMeta;
  severity: string;
  /** The primary message, lines joined with '\n' (no stderr tabs). */
  message: string;
  detail?: string;
  /** The STATEMENT line (stderr), `query` (csvlog) or `statement` (jsonlog). */
  statement?: string;
  sqlstate?: string;
}

interface Pending {
  meta: LogMeta;
  query: string;
  params?: string[];
  preparedName?: string;
}

/** log_statement lines waiting for their duration; old ones are dropped past this many pids. */
const MAX_PENDING = 10_000;

/** `parameters: $1 = '1', $2 = 'it''s', $3 = NULL` → ["'1'", "'it''s'", 'NULL'] (SQL literals, as printed). */
export function parseParams(detail: string | undefined): string[] | undefined {
  if (detail === undefined || !detail.startsWith('parameters: ')) return undefined;
  const out: string[] = [];
  let i = 12;
  while (i < detail.length && detail.charCodeAt(i) === 36 /* $ */) {
    const eq = detail.indexOf(' = ', i);
    if (eq < 0) break;
    let j = eq + 3;
    if (detail.charCodeAt(j) === 39 /* ' */) {
      j++;
      for (;;) {
        const q = detail.indexOf("'", j);
        if (q < 0) { j = detail.length; break; }
        if (detail.charCodeAt(q + 1) === 39) { j = q + 2; continue; }
        j = q + 1;
        break;
      }
    } else {
      const comma = detail.indexOf(', $', j);
      j = comma < 0 ? detail.length : comma;
    }
    out.push(detail.slice(eq + 3, j));
    if (!detail.startsWith(', ', j)) break;
    i = j + 2;
  }
  return out;
}

/** "execute <unnamed>: …", "execute fetch from S_1/C_2: …" → [name or undefined, query] */
function splitExecute(rest: string): [string | undefined, string] | undefined {
  const colon = rest.indexOf(': ');
  if (colon < 0) return undefined;
  let name = rest.slice(0, colon);
  if (name.startsWith('fetch from ')) name = name.slice(11);
  const slash = name.indexOf('/');
  if (slash >= 0) name = name.slice(0, slash);
  return [name === '<unnamed>' || name === '' ? undefined : name, rest.slice(colon + 2)];
}

const CHECKPOINT_DONE = /wrote (\d+) buffers.*?write=([\d.]+) s, sync=([\d.]+) s, total=([\d.]+) s/s;
const AUTOVACUUM = /^automatic (?:aggressive )?(vacuum|analyze)(?: to prevent wraparound)? of table "([^"]*)"/;
const LOCK = /^process \d+ (still waiting for|acquired) (\S+) on .*? after ([\d.]+) ms/s;
const TEMP = /^temporary file: path "(.*)", size (\d+)/;
const SESSION = /session time: (\d+):(\d\d):(\d\d(?:\.\d+)?)/;

type LockWait = Extract<LogEvent, { kind: 'lockwait' }>;

export class EventBuilder {
  private readonly pending = new Map<number, Pending>();
  /** "still waiting" events held until the same pid says "acquired" (or anything else: the wait is over). */
  private readonly waits = new Map<number, LockWait>();

  /** After beginLookahead: the statements and lock waits still unresolved, by the meta they will carry. */
  private ahead: Set<LogMeta> | undefined;

  /** Appends the events of one record to `out` (most records give none or one). */
  add(r: LogRecord, out: LogEvent[]): void {
    if (!this.ahead) return this.record(r, out);
    const mine: LogEvent[] = [];
    this.record(r, mine);
    for (const e of mine) if (this.ahead.delete(e.meta)) out.push(e);
  }

  /** What is waiting for a later line: log_statement lines (for their duration) and lock waits. */
  get outstanding(): number {
    return this.ahead ? this.ahead.size : this.pending.size + this.waits.size;
  }

  /**
   * The end of a byte range: from now on, later lines only complete what is outstanding (a duration, an
   * "acquired"); everything else belongs to the next range, which drops such orphans.
   */
  beginLookahead(): void {
    this.ahead = new Set([...[...this.pending.values()].map((p) => p.meta), ...[...this.waits.values()].map((w) => w.meta)]);
  }

  private record(r: LogRecord, out: LogEvent[]): void {
    const { message: msg, meta } = r;
    const sev = r.severity;
    if (this.waits.size > 0 && meta.pid !== undefined && this.waits.has(meta.pid)) {
      if (this.lockWait(r, out)) return;
      out.push(this.waits.get(meta.pid)!);
      this.waits.delete(meta.pid);
    }
    if (sev === 'ERROR' || sev === 'FATAL' || sev === 'PANIC') {
      this.dropPending(meta.pid);
      out.push({ kind: 'error', meta, severity: sev, sqlstate: r.sqlstate, message: msg.replace(/ at character \d+$/, ''), statement: r.statement });
      return;
    }
    if (sev !== 'LOG') return;
    const c = msg.charCodeAt(0);
    if (c === 100 /* d */) {
      if (msg.startsWith('duration: ')) this.duration(r, out);
      else if (msg.startsWith('disconnection: ')) {
        this.dropPending(meta.pid);
        const s = SESSION.exec(msg);
        const sessionMs = s ? Math.round((Number(s[1]) * 3600 + Number(s[2]) * 60 + Number(s[3])) * 1000) : undefined;
        out.push({ kind: 'connection', meta, action: 'disconnection', sessionMs });
      }
    } else if (c === 115 /* s */ && msg.startsWith('statement: ')) {
      this.wait(meta, { meta, query: msg.slice(11) });
    } else if (c === 101 /* e */ && msg.startsWith('execute ')) {
      const e = splitExecute(msg.slice(8));
      if (e) this.wait(meta, { meta, query: e[1], params: parseParams(r.detail), preparedName: e[0] });
    } else if (c === 99 /* c */) {
      if (msg.startsWith('connection received')) out.push({ kind: 'connection', meta, action: 'received' });
      else if (msg.startsWith('connection authorized')) out.push({ kind: 'connection', meta, action: 'authorized' });
      else if (msg.startsWith('checkpoint starting: ')) out.push({ kind: 'checkpoint', meta, phase: 'starting', reason: msg.slice(21) });
      else if (msg.startsWith('checkpoint complete: ')) {
        const m = CHECKPOINT_DONE.exec(msg);
        out.push(m
          ? { kind: 'checkpoint', meta, phase: 'complete', buffers: Number(m[1]), writeMs: secs(m[2]!), syncMs: secs(m[3]!), totalMs: secs(m[4]!) }
          : { kind: 'checkpoint', meta, phase: 'complete' });
      }
    } else if (c === 112 /* p */ && msg.startsWith('process ')) {
      this.lockWait(r, out);
    } else if (c === 116 /* t */ && msg.startsWith('temporary file: ')) {
      const m = TEMP.exec(msg);
      if (m) out.push({ kind: 'tempfile', meta, bytes: Number(m[2]), path: m[1]!, statement: r.statement });
    } else if (c === 97 /* a */ && msg.startsWith('automatic ')) {
      const m = AUTOVACUUM.exec(msg);
      if (m) {
        const e = /elapsed: ([\d.]+) s/.exec(msg);
        out.push({ kind: 'autovacuum', meta, action: m[1] as 'vacuum' | 'analyze', table: m[2]!, elapsedMs: e ? secs(e[1]!) : undefined });
      }
    }
  }

  /** `duration: N ms` alone (log_duration), or with `statement:`, `execute …:`, `plan:`; parse/bind are skipped. */
  private duration(r: LogRecord, out: LogEvent[]): void {
    const msg = r.message;
    const end = msg.indexOf(' ms', 10);
    if (end < 0) return;
    const durationMs = Number(msg.slice(10, end));
    if (Number.isNaN(durationMs)) return;
    const pid = r.meta.pid;
    if (end + 3 === msg.length) {
      const p = pid === undefined ? undefined : this.pending.get(pid);
      if (!p) return; // parse/bind durations, or a statement logged before the log began
      this.pending.delete(pid!);
      out.push({ kind: 'statement', meta: p.meta, durationMs, query: p.query, params: p.params, preparedName: p.preparedName });
      return;
    }
    let k = end + 3; // after " ms", then two spaces
    while (msg.charCodeAt(k) === 32) k++;
    if (msg.startsWith('statement: ', k)) {
      this.dropPending(pid);
      out.push({ kind: 'statement', meta: r.meta, durationMs, query: msg.slice(k + 11) });
    } else if (msg.startsWith('execute ', k)) {
      const e = splitExecute(msg.slice(k + 8));
      if (!e) return;
      this.dropPending(pid);
      out.push({ kind: 'statement', meta: r.meta, durationMs, query: e[1], params: parseParams(r.detail), preparedName: e[0] });
    } else if (msg.startsWith('plan:', k)) {
      out.push({ kind: 'plan', meta: r.meta, durationMs, ...parsePlanMessage(msg.slice(k + 5)) });
    }
  }

  /** Emits the lock waits still held: call at the end of the input. */
  end(out: LogEvent[]): void {
    for (const w of this.waits.values()) if (!this.ahead || this.ahead.delete(w.meta)) out.push(w);
    this.waits.clear();
  }

  /** "process N still waiting for M on … after T ms" / "… acquired …": true when `r` was such a line. */
  private lockWait(r: LogRecord, out: LogEvent[]): boolean {
    if (r.severity !== 'LOG' || !r.message.startsWith('process ')) return false;
    const m = LOCK.exec(r.message);
    if (!m) return false;
    const pid = r.meta.pid ?? -1;
    const held = this.waits.get(pid);
    if (m[1] === 'acquired') {
      // an "acquired" without its "still waiting" began before this log (or this byte range): counted there
      if (held) {
        this.waits.delete(pid);
        out.push({ ...held, waitMs: Number(m[3]), acquired: true });
      }
      return true;
    }
    if (held) out.push(held);
    this.waits.set(pid, { kind: 'lockwait', meta: r.meta, message: r.message, waitMs: Number(m[3]), lockMode: m[2], statement: r.statement });
    if (this.waits.size > MAX_PENDING) {
      const [oldest, w] = this.waits.entries().next().value!;
      out.push(w);
      this.waits.delete(oldest);
    }
    return true;
  }

  private wait(meta: LogMeta, p: Pending): void {
    if (meta.pid === undefined) return;
    this.dropPending(meta.pid);
    this.pending.set(meta.pid, p);
    if (this.pending.size > MAX_PENDING) this.dropPending(this.pending.keys().next().value!);
  }

  private dropPending(pid: number | undefined): void {
    if (pid === undefined) return;
    const p = this.pending.get(pid);
    if (!p) return;
    this.pending.delete(pid);
    this.ahead?.delete(p.meta);
  }
}

const secs = (s: string): number => Math.round(Number(s) * 1000 * 1000) / 1000;
