// The shared shapes of `perfkit db slow`: what the log readers emit, what aggregation keeps per query,
// and the report's data. Types only.

export type LogFormat = 'stderr' | 'csvlog' | 'jsonlog';

/** Where and by whom, from the log_line_prefix (stderr) or the csvlog/jsonlog fields. */
export interface LogMeta {
  /** Epoch milliseconds of the entry, when the prefix or format has a time. */
  time?: number;
  pid?: number;
  database?: string;
  user?: string;
  application?: string;
  host?: string;
  /** file:line of the entry's first line, for error messages and examples. */
  at: string;
}

export type LogEvent =
  /** A finished statement with its duration: log_min_duration_statement, or log_duration paired with log_statement.
   *  params: the bind parameters in $n order, as SQL literals the way the server printed them ('it''s', NULL).
   *  preparedName: the prepared statement's name (extended protocol); absent for unnamed ones. */
  | { kind: 'statement'; meta: LogMeta; durationMs: number; query: string; params?: string[]; preparedName?: string }
  /** An auto_explain plan (text or JSON) with the query it belongs to. */
  | { kind: 'plan'; meta: LogMeta; durationMs: number; query?: string; plan: string; planFormat: 'text' | 'json' }
  | { kind: 'error'; meta: LogMeta; severity: 'ERROR' | 'FATAL' | 'PANIC'; sqlstate?: string; message: string; statement?: string }
  | { kind: 'tempfile'; meta: LogMeta; bytes: number; path: string; statement?: string }
  /** One event per wait longer than deadlock_timeout (log_lock_waits), at its "still waiting" line. acquired: the log
   *  shows the lock was granted, and waitMs is then the whole wait; otherwise waitMs is the wait when last reported. */
  | { kind: 'lockwait'; meta: LogMeta; message: string; waitMs?: number; lockMode?: string; statement?: string; acquired?: boolean }
  | { kind: 'checkpoint'; meta: LogMeta; phase: 'starting' | 'complete'; reason?: string; buffers?: number; writeMs?: number; syncMs?: number; totalMs?: number }
  | { kind: 'autovacuum'; meta: LogMeta; action: 'vacuum' | 'analyze'; table: string; elapsedMs?: number }
  | { kind: 'connection'; meta: LogMeta; action: 'received' | 'authorized' | 'disconnection'; sessionMs?: number };

/** What a reader saw, for the "0 of N lines matched" answer and for linesRead/linesUnparsed. */
export interface ReadStats {
  files: string[];
  bytes: number;
  lines: number;
  /** Lines that started an entry the prefix/format understood. */
  matched: number;
  /** Lines that neither started an entry nor continued one. */
  unparsed: number;
  /** Up to 3 lines that did not match, for the error message. */
  unmatchedSamples: string[];
  format: LogFormat;
  /** The log_line_prefix used (given, read from the server, or inferred). */
  prefix?: string;
  prefixSource?: 'flag' | 'server' | 'inferred' | 'format';
}
