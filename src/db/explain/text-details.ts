// The detail lines of text EXPLAIN (`Filter: ...`, `Sort Method: ...`, `Buffers: ...`), turned into the
// keys FORMAT JSON uses, so that one builder serves both formats. Unknown lines are kept as strings.

type Raw = Record<string, unknown>;

const NUMERIC = new Set([
  'Rows Removed by Filter', 'Rows Removed by Join Filter', 'Rows Removed by Index Recheck', 'Heap Fetches',
  'Workers Planned', 'Workers Launched', 'Planned Partitions', 'Subplans Removed', 'Rows Removed by Conflict Filter',
  'Tuples Inserted', 'Conflicting Tuples',
]);
const LISTS = new Set(['Output', 'Sort Key', 'Group Key', 'Presorted Key', 'Conflict Arbiter Indexes']);
const BOOLS = new Set(['Inner Unique', 'Single Copy']);

/** Splits `a, f(b, c), 'x, y'` at top-level commas. */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = s.slice(start).trim();
  if (last !== '' || out.length > 0) out.push(last);
  return out;
}

const BUFFER_NAMES: Record<string, Record<string, string>> = {
  shared: { hit: 'Shared Hit Blocks', read: 'Shared Read Blocks', dirtied: 'Shared Dirtied Blocks', written: 'Shared Written Blocks' },
  local: { hit: 'Local Hit Blocks', read: 'Local Read Blocks', dirtied: 'Local Dirtied Blocks', written: 'Local Written Blocks' },
  temp: { read: 'Temp Read Blocks', written: 'Temp Written Blocks' },
};

/** `shared hit=1 read=2, local hit=3, temp read=4 written=5` */
export function parseBuffers(value: string, target: Raw): void {
  for (const names of Object.values(BUFFER_NAMES)) for (const key of Object.values(names)) target[key] ??= 0;
  let scope = 'shared';
  for (const token of value.split(/[\s,]+/)) {
    if (token in BUFFER_NAMES) {
      scope = token;
      continue;
    }
    const m = /^(\w+)=(\d+)$/.exec(token);
    const key = m && BUFFER_NAMES[scope]![m[1]!];
    if (m && key) target[key] = Number(m[2]);
  }
}

/** `shared/local read=1.2 write=0.3, temp read=...` (15), `shared read=.., local read=.., temp ...` (16+), `read=..` (older). */
function parseIoTimings(value: string, target: Raw): void {
  for (const part of value.split(',')) {
    const scope = part.trim().startsWith('temp') ? 'Temp ' : part.trim().startsWith('local') ? 'Local ' : '';
    for (const m of part.matchAll(/(read|write)=([\d.]+)/g)) {
      target[`${scope}I/O ${m[1] === 'read' ? 'Read' : 'Write'} Time`] = Number(m[2]);
    }
  }
}

function kb(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}

/** Lines that pack several `Key: value` pairs separated by two spaces. */
function parseCompound(key: string, line: string, target: Raw): boolean {
  if (key === 'Sort Method') {
    const m = /^Sort Method: (.*?)\s+(Memory|Disk): (\d+)kB/.exec(line);
    if (!m) return false;
    Object.assign(target, { 'Sort Method': m[1], 'Sort Space Used': Number(m[3]), 'Sort Space Type': m[2] });
    return true;
  }
  if (key === 'Buckets') {
    const m = /^Buckets: (\d+)(?: \(originally (\d+)\))?\s+Batches: (\d+)(?: \(originally (\d+)\))?\s+Memory Usage: (\d+)kB/.exec(line);
    if (!m) return false;
    Object.assign(target, {
      'Hash Buckets': Number(m[1]), 'Original Hash Buckets': Number(m[2] ?? m[1]),
      'Hash Batches': Number(m[3]), 'Original Hash Batches': Number(m[4] ?? m[3]), 'Peak Memory Usage': Number(m[5]),
    });
    return true;
  }
  if (key === 'Batches' || key === 'Planned Partitions') {
    // HashAggregate: `Planned Partitions: 4  Batches: 5  Memory Usage: 4145kB  Disk Usage: 20512kB` (parts optional)
    const planned = /^Planned Partitions: (\d+)/.exec(line);
    if (planned) target['Planned Partitions'] = Number(planned[1]);
    const m = /Batches: (\d+)\s+Memory Usage: (\d+)kB(?:\s+Disk Usage: (\d+)kB)?/.exec(line);
    if (m) Object.assign(target, { 'HashAgg Batches': Number(m[1]), 'Peak Memory Usage': Number(m[2]), 'Disk Usage': kb(m[3]) ?? 0 });
    return Boolean(planned || m);
  }
  if (key === 'Hits') {
    const m = /^Hits: (\d+)\s+Misses: (\d+)\s+Evictions: (\d+)\s+Overflows: (\d+)\s+Memory Usage: (\d+)kB/.exec(line);
    if (!m) return false;
    Object.assign(target, {
      'Cache Hits': Number(m[1]), 'Cache Misses': Number(m[2]), 'Cache Evictions': Number(m[3]),
      'Cache Overflows': Number(m[4]), 'Peak Memory Usage': Number(m[5]),
    });
    return true;
  }
  if (key === 'Heap Blocks') {
    target['Exact Heap Blocks'] = Number(/exact=(\d+)/.exec(line)?.[1] ?? 0);
    target['Lossy Heap Blocks'] = Number(/lossy=(\d+)/.exec(line)?.[1] ?? 0);
    return true;
  }
  return false;
}

/** Applies one detail line (already trimmed) to a node, worker or section object. */
export function applyDetail(line: string, target: Raw): void {
  const sep = line.indexOf(': ');
  if (sep === -1) {
    const bare = line.endsWith(':') ? line.slice(0, -1) : line;
    target[bare] = true;
    return;
  }
  const key = line.slice(0, sep);
  const value = line.slice(sep + 2).trim();
  if (parseCompound(key, line, target)) return;
  if (key === 'Buffers') return parseBuffers(value, target);
  if (key === 'I/O Timings') return parseIoTimings(value, target);
  if (key === 'WAL') {
    for (const m of value.matchAll(/(records|fpi|bytes)=(\d+)/g)) {
      target[`WAL ${m[1] === 'fpi' ? 'FPI' : m[1]![0]!.toUpperCase() + m[1]!.slice(1)}`] = Number(m[2]);
    }
    return;
  }
  if (NUMERIC.has(key) && /^-?\d+(\.\d+)?$/.test(value)) target[key] = Number(value);
  else if (LISTS.has(key)) target[key] = splitTopLevel(value);
  else if (BOOLS.has(key)) target[key] = value === 'true';
  else target[key] = value;
}

/** `jit = 'off', work_mem = '64kB'` */
export function parseSettings(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.matchAll(/([\w.]+) = '((?:[^']|'')*)'/g)) out[m[1]!] = m[2]!.replaceAll("''", "'");
  return out;
}

/** The lines of a `JIT:` block. */
export function applyJitLine(line: string, jit: Raw): void {
  const sep = line.indexOf(': ');
  const key = sep === -1 ? line : line.slice(0, sep);
  const value = sep === -1 ? '' : line.slice(sep + 2);
  if (key === 'Functions') jit['Functions'] = Number(value);
  else if (key === 'Options') {
    const options: Raw = {};
    for (const m of value.matchAll(/(\w+) (true|false)/g)) options[m[1]!] = m[2] === 'true';
    jit['Options'] = options;
  } else if (key === 'Timing') {
    const timing: Raw = {};
    // PostgreSQL 17 adds "(Deform x ms)" after Generation; the outer figures are what we keep.
    const outer = value.replace(/\([^)]*\)/g, '');
    for (const m of outer.matchAll(/(\w+) ([\d.]+) ms/g)) timing[m[1]!] = Number(m[2]);
    jit['Timing'] = timing;
  } else jit[key] = value;
}

/** `Trigger RI_... for constraint fk on orders: time=1.2 calls=10` */
export function parseTrigger(line: string): Raw | undefined {
  const m = /^Trigger(?: (.+?))?(?: for constraint (.+?))?(?: on (\S+))?: (?:time=([\d.]+) )?calls=(\d+)$/.exec(line);
  if (!m) return undefined;
  const t: Raw = { 'Trigger Name': m[1] ?? (m[2] ? `for constraint ${m[2]}` : '?') };
  if (m[2]) t['Constraint Name'] = m[2];
  if (m[3]) t['Relation'] = m[3];
  if (m[4]) t['Time'] = Number(m[4]);
  t['Calls'] = Number(m[5]);
  return t;
}
