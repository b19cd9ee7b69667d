// csvlog rows and jsonlog lines → LogRecord. The csvlog columns are those of PostgreSQL 15 (26); 12 has 23,
// 13 has 24, 14+ has 26, and the first 23 never moved, which are the only ones read here.
import type { LogRecord } from './messages.js';
import type { LogMeta } from './model.js';
import { parseLogTime } from './log-time.js';

// csvlog column indexes (PostgreSQL 13+ docs, "Using CSV-Format Log Output")
const LOG_TIME = 0, USER = 1, DATABASE = 2, PID = 3, CONNECTION_FROM = 4, SEVERITY = 11, SQLSTATE = 12,
  MESSAGE = 13, DETAIL = 14, QUERY = 19, APPLICATION = 22;
export const CSV_MIN_COLUMNS = 23;

const opt = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
const TIME_START = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/;

/** "host:port" or "[local]" → host */
function hostOf(from: string | undefined): string | undefined {
  if (!from) return undefined;
  if (from === '[local]') return from;
  const colon = from.lastIndexOf(':');
  return colon > 0 ? from.slice(0, colon) : from;
}

/** One csvlog row (fields already unquoted); undefined when it does not look like csvlog. */
export function recordFromCsv(f: readonly string[], at: string): LogRecord | undefined {
  if (f.length < CSV_MIN_COLUMNS || !TIME_START.test(f[LOG_TIME]!)) return undefined;
  const severity = f[SEVERITY]!;
  if (!/^[A-Z][A-Z0-9]+$/.test(severity)) return undefined;
  const meta: LogMeta = { at, time: parseLogTime(f[LOG_TIME]!) };
  const pid = f[PID];
  if (pid) meta.pid = Number(pid);
  if (f[DATABASE]) meta.database = f[DATABASE];
  if (f[USER]) meta.user = f[USER];
  if (f[APPLICATION]) meta.application = f[APPLICATION];
  const host = hostOf(f[CONNECTION_FROM]);
  if (host) meta.host = host;
  return {
    meta,
    severity,
    message: f[MESSAGE] ?? '',
    detail: opt(f[DETAIL]),
    statement: opt(f[QUERY]),
    sqlstate: opt(f[SQLSTATE]),
  };
}

interface JsonLogLine {
  timestamp?: string;
  user?: string;
  dbname?: string;
  pid?: number;
  remote_host?: string;
  error_severity?: string;
  state_code?: string;
  message?: string;
  detail?: string;
  statement?: string;
  application_name?: string;
}

/** One jsonlog line (PostgreSQL 15+); undefined when it is not a jsonlog object. */
export function recordFromJson(line: string, at: string): LogRecord | undefined {
  let j: JsonLogLine;
  try {
    j = JSON.parse(line) as JsonLogLine;
  } catch {
    return undefined;
  }
  if (j === null || typeof j !== 'object' || typeof j.error_severity !== 'string' || typeof j.message !== 'string') {
    return undefined;
  }
  const meta: LogMeta = { at };
  if (j.timestamp) meta.time = parseLogTime(j.timestamp);
  if (typeof j.pid === 'number') meta.pid = j.pid;
  if (j.dbname) meta.database = j.dbname;
  if (j.user) meta.user = j.user;
  if (j.application_name) meta.application = j.application_name;
  if (j.remote_host) meta.host = j.remote_host;
  return {
    meta,
    severity: j.error_severity,
    message: j.message,
    detail: opt(j.detail),
    statement: opt(j.statement),
    sqlstate: opt(j.state_code),
  };
}
