// log_line_prefix → one anchored regex (prefix + "SEVERITY:  ") with the fields perfkit keeps, compiled once.
// Escapes as in the PostgreSQL docs (runtime-config-logging): %a %u %d %r %h %b %p %P %t %m %n %i %e %c %l
// %s %v %x %q %Q %%, with optional padding (%-10p). %q ends the prefix for non-session processes, so
// everything after it is optional. Also: inferring the prefix from sample lines, and the message for
// "0 of N lines matched" (pgbadger's most common support issue is a prefix that silently matches nothing).
import type { LogMeta } from './model.js';
import { parseEpochSeconds, parseLogTime } from './log-time.js';

export type PrefixField = 'time' | 'epoch' | 'pid' | 'user' | 'database' | 'application' | 'host' | 'sqlstate';

export interface CompiledPrefix {
  readonly prefix: string;
  /** Anchored: the prefix, then the severity (group `severity`), then ":  ". The body starts at match[0].length. */
  readonly regex: RegExp;
  /** Capture group index of each field present in the prefix; `severity` is always there. */
  readonly groups: Readonly<Partial<Record<PrefixField, number>>> & { readonly severity: number };
  /** The escapes the prefix uses, e.g. ['m', 'p', 'u', 'd']. */
  readonly escapes: readonly string[];
}

/** The severities PostgreSQL writes after the prefix. Secondary ones continue the entry before them. */
export const SEVERITIES = ['LOG', 'ERROR', 'WARNING', 'FATAL', 'PANIC', 'NOTICE', 'INFO', 'DEBUG', 'DEBUG1', 'DEBUG2',
  'DEBUG3', 'DEBUG4', 'DEBUG5', 'DETAIL', 'HINT', 'STATEMENT', 'CONTEXT', 'QUERY', 'LOCATION'] as const;
export const SECONDARY = new Set(['DETAIL', 'HINT', 'STATEMENT', 'CONTEXT', 'QUERY', 'LOCATION']);
const SEVERITY_RE = `(${[...SEVERITIES].sort((a, b) => b.length - a.length).join('|')}):  `;

const ZONE = '(?:[A-Za-z]{1,6}|[+-]\\d\\d(?::?\\d\\d)?)';
const TIME = `\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ${ZONE}`;
const TIME_MS = `\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ${ZONE}`;
// Names are at most NAMEDATALEN-1 (63) bytes: bounded, lazy quantifiers keep a failing match cheap.
const NAME = '.{0,64}?';

/** escape → [pattern, field it captures (when any)] */
const ESCAPES: Record<string, [string, PrefixField?]> = {
  a: [NAME, 'application'],
  u: [NAME, 'user'],
  d: [NAME, 'database'],
  r: ['(\\[local\\]|[^\\s(]{0,255}?)(?:\\(\\d*\\))?', 'host'],
  h: ['(\\[local\\]|\\S{0,255}?)', 'host'],
  b: ['.{0,40}?'],
  p: ['\\d+', 'pid'],
  P: ['\\d*'],
  t: [TIME, 'time'],
  m: [TIME_MS, 'time'],
  n: ['\\d+\\.\\d{3}', 'epoch'],
  i: ['.{0,64}?'],
  e: ['[0-9A-Z]{5}', 'sqlstate'],
  c: ['[0-9a-f]+\\.[0-9a-f]+'],
  l: ['\\d+'],
  s: [`(?:${TIME})?`],
  v: ['(?:\\d+/\\d+)?'],
  x: ['\\d+'],
  Q: ['-?\\d+'],
};

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function compilePrefix(prefix: string): CompiledPrefix {
  let source = '^';
  let optionalFrom = -1;
  let group = 0;
  const groups: Partial<Record<PrefixField, number>> & { severity: number } = { severity: 0 };
  const escapes: string[] = [];
  for (let i = 0; i < prefix.length; i++) {
    const ch = prefix[i]!;
    if (ch !== '%' || i === prefix.length - 1) {
      source += escapeRegex(ch);
      continue;
    }
    // %[-]width letter
    const pad = /^-?\d+/.exec(prefix.slice(i + 1));
    if (pad) i += pad[0].length;
    const letter = prefix[++i];
    if (letter === undefined) break;
    if (letter === '%') {
      source += '%';
      continue;
    }
    if (letter === 'q') {
      if (optionalFrom < 0) optionalFrom = source.length;
      continue;
    }
    const spec = ESCAPES[letter];
    if (!spec) continue; // PostgreSQL prints nothing for an unknown escape
    escapes.push(letter);
    let [pattern, field] = spec;
    if (field && groups[field] === undefined) {
      group++;
      groups[field] = group;
      // %r and %h carry their own capture group; the others are wrapped here
      if (!pattern.startsWith('(\\[local')) pattern = `(${pattern})`;
    } else if (pattern.startsWith('(\\[local')) {
      pattern = `(?:${pattern.slice(1)}`;
    }
    source += pad ? ` *(?:${pattern}) *` : pattern;
  }
  if (optionalFrom >= 0) source = `${source.slice(0, optionalFrom)}(?:${source.slice(optionalFrom)})?`;
  groups.severity = group + 1;
  return { prefix, regex: new RegExp(`${source}[ \\t]*${SEVERITY_RE}`), groups, escapes };
}

const clean = (v: string | undefined): string | undefined =>
  v === undefined || v === '' || v === '[unknown]' ? undefined : v;

/** The LogMeta of a line the prefix matched. */
export function metaOf(c: CompiledPrefix, m: RegExpExecArray, at: string): LogMeta {
  const g = c.groups;
  const meta: LogMeta = { at };
  if (g.time !== undefined) meta.time = parseLogTime(m[g.time]!);
  else if (g.epoch !== undefined) meta.time = parseEpochSeconds(m[g.epoch]!);
  if (g.pid !== undefined && m[g.pid] !== undefined) meta.pid = Number(m[g.pid]);
  if (g.user !== undefined) meta.user = clean(m[g.user]);
  if (g.database !== undefined) meta.database = clean(m[g.database]);
  if (g.application !== undefined) meta.application = clean(m[g.application]);
  if (g.host !== undefined) meta.host = clean(m[g.host]);
  return meta;
}

/** Quick pid of a matched line, without building the whole meta. */
export const pidOf = (c: CompiledPrefix, m: RegExpExecArray): number | undefined =>
  c.groups.pid !== undefined && m[c.groups.pid] !== undefined ? Number(m[c.groups.pid]) : undefined;

/** Tried in this order when no prefix is given; on a tie the earlier (simpler) one wins. */
export const COMMON_PREFIXES = [
  '%m [%p] ', '%m [%p] %q%u@%d ', '%t [%p] ', '%t [%p] %q%u@%d ', '%t [%p]: ', '%m [%p]: ',
  '%t [%p]: [%l-1] ', '%m [%p]: [%l-1] ',
  '%t [%p]: user=%u,db=%d,app=%a,client=%h ', '%m [%p]: user=%u,db=%d,app=%a,client=%h ',
  '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ', '%m [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ',
  '%t [%p]: [%l-1] user=%u,db=%d ', '%m [%p]: [%l-1] db=%d,user=%u ', '%t [%p]: [%l-1] db=%d,user=%u ',
  '%t:%r:%u@%d:[%p]:', '%m:%r:%u@%d:[%p]:', '< %m > ', '< %t > ', '%n [%p] ', '%m ', '%t ',
];

/** A line that carries a severity somewhere, i.e. one a prefix should match. */
const MARKER = /(?:^|[\s\]:>])(LOG|ERROR|WARNING|FATAL|PANIC|DETAIL|STATEMENT|HINT|CONTEXT):  /;

/** Builds a prefix from one line's text before its severity: timestamps, [pid], key=value, user@db. */
export function guessPrefix(line: string): string[] {
  const m = MARKER.exec(line);
  if (!m) return [];
  let p = line.slice(0, m.index + (m[0].length - m[1]!.length - 3)).replace(/%/g, '%%');
  p = p
    .replace(new RegExp(TIME_MS), '%m')
    .replace(new RegExp(TIME), '%t')
    .replace(/\b\d{9,11}\.\d{3}\b/, '%n')
    .replace(/\b(user|usr|u)=[^,\s\]]*/, '$1=%u')
    .replace(/\b(db|database|dbname)=[^,\s\]]*/, '$1=%d')
    .replace(/\b(app|application|appname|application_name)=[^,\s\]]*/, '$1=%a')
    .replace(/\b(client|host|remote|rhost)=([^,\s\]]*)/, (_, k: string, v: string) => `${k}=${/\(\d+\)$/.test(v) ? '%r' : '%h'}`)
    .replace(/\[\d+-1\]/, '[%l-1]')
    .replace(/\b[0-9a-f]{6,}\.[0-9a-f]+\b/, '%c')
    .replace(/\[\d+\]/, '[%p]')
    .replace(/(^|\s)[^\s%@]+@[^\s%@]+(?=\s|$)/, '$1%u@%d');
  const session = p.search(/%[udahr]/);
  if (session < 0) return [p];
  const word = p.lastIndexOf(' ', session) + 1;
  return [p, `${p.slice(0, word)}%q${p.slice(word)}`];
}

/**
 * The log_line_prefix that matches most of the sample lines carrying a severity: the common prefixes first,
 * then prefixes built from the lines themselves. Undefined when none matches any line.
 */
export function inferPrefix(sampleLines: readonly string[]): string | undefined {
  const marked = sampleLines.filter((l) => MARKER.test(l));
  if (marked.length === 0) return undefined;
  const tried = new Set<string>();
  let best: string | undefined;
  let bestScore = 0;
  const score = (prefix: string): void => {
    if (tried.has(prefix)) return;
    tried.add(prefix);
    const { regex } = compilePrefix(prefix);
    let n = 0;
    for (const l of marked) if (regex.test(l)) n++;
    if (n > bestScore) [best, bestScore] = [prefix, n];
  };
  for (const p of COMMON_PREFIXES) score(p);
  if (bestScore < marked.length) {
    for (const l of marked.slice(0, 200)) {
      if (tried.size > 120) break;
      for (const g of guessPrefix(l)) score(g);
    }
  }
  return best;
}

export interface MismatchInput {
  /** Non-empty lines read. */
  lines: number;
  /** The prefix that was tried; undefined when none could be inferred. */
  prefix?: string;
  prefixSource?: 'flag' | 'server' | 'inferred' | 'format';
  /** A few lines that did not match. */
  samples: readonly string[];
  /** A prefix that does match the samples, when one was found. */
  suggestion?: string;
}

const shorten = (s: string, n = 80): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** "0 of 10,000 lines matched prefix '%m [%p] '; lines look like '…'; try --prefix '…'" */
export function describeMismatch(input: MismatchInput): string {
  const count = `0 of ${input.lines.toLocaleString('en-US')} lines`;
  const from = input.prefixSource === 'server' ? ' (the server\'s log_line_prefix)' : '';
  const head = input.prefix === undefined
    ? `${count} start with a log_line_prefix perfkit recognises`
    : `${count} matched prefix '${input.prefix}'${from}`;
  const sample = input.samples.find((s) => s.trim() !== '');
  const look = sample === undefined ? '' : `; lines look like '${shorten(sample)}'`;
  const fix = input.suggestion !== undefined && input.suggestion !== input.prefix
    ? `; try --prefix '${input.suggestion}'`
    : "; pass the server's log_line_prefix with --prefix (SHOW log_line_prefix)";
  return head + look + fix;
}
