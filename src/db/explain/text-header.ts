// The first line of a text EXPLAIN node — `Parallel Index Scan using i on public.t x  (cost=...)
// (actual time=...)` — turned into the JSON keys FORMAT JSON would have given.

import { scanObjectKey } from './label.js';

type Raw = Record<string, unknown>;

const IDENT = String.raw`(?:"(?:[^"]|"")*"|[^\s"])+`;
const HEADER = new RegExp(String.raw`^(.*?)(?: using (${IDENT}))?(?: on (${IDENT})(?: (${IDENT}))?)?$`);
const COST = /\(cost=(-?[\d.]+)\.\.(-?[\d.]+) rows=(\d+(?:\.\d+)?) width=(\d+)\)/;
const ACTUAL = /\(actual time=([\d.]+)\.\.([\d.]+) rows=(\d+(?:\.\d+)?) loops=(\d+)\)/;
const ACTUAL_UNTIMED = /\(actual rows=(\d+(?:\.\d+)?) loops=(\d+)\)/;
const NEVER = /\(never executed\)/;
const PARENS_START = /\s+\((?:cost=|actual |never executed\))/;

export function hasNodeNumbers(line: string): boolean {
  return COST.test(line) || ACTUAL.test(line) || ACTUAL_UNTIMED.test(line) || NEVER.test(line);
}

export function unquoteIdent(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replaceAll('""', '"') : s;
}

/** `schema.name` → [schema, name], respecting quotes. */
function splitQualified(s: string): [string | undefined, string] {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '"') quoted = !quoted;
    else if (s[i] === '.' && !quoted) return [unquoteIdent(s.slice(0, i)), unquoteIdent(s.slice(i + 1))];
  }
  return [undefined, unquoteIdent(s)];
}

const JOIN = /^(Hash|Merge) (?:(.+) )?Join$/;
const NESTLOOP = /^Nested Loop(?: (.+) Join)?$/;
const AGG = /^(?:(Partial|Finalize) )?(Aggregate|GroupAggregate|HashAggregate|MixedAggregate)$/;
const AGG_STRATEGY: Record<string, string> = {
  Aggregate: 'Plain', GroupAggregate: 'Sorted', HashAggregate: 'Hashed', MixedAggregate: 'Mixed',
};

/** The display type (`Partial HashAggregate`, `Hash Left Join`) → Node Type and the keys folded into it. */
function typeFields(display: string, raw: Raw, hasTarget: boolean): void {
  let t = display;
  raw['Parallel Aware'] = t.startsWith('Parallel ');
  if (raw['Parallel Aware']) t = t.slice('Parallel '.length);
  raw['Async Capable'] = t.startsWith('Async ');
  if (raw['Async Capable']) t = t.slice('Async '.length);
  let m: RegExpExecArray | null;
  if ((m = JOIN.exec(t))) {
    raw['Node Type'] = `${m[1]} Join`;
    raw['Join Type'] = m[2] ?? 'Inner';
  } else if ((m = NESTLOOP.exec(t))) {
    raw['Node Type'] = 'Nested Loop';
    raw['Join Type'] = m[1] ?? 'Inner';
  } else if ((m = AGG.exec(t))) {
    raw['Node Type'] = 'Aggregate';
    raw['Strategy'] = AGG_STRATEGY[m[2]!];
    raw['Partial Mode'] = m[1] ?? 'Simple';
  } else if ((m = /^(Index Scan|Index Only Scan) Backward$/.exec(t))) {
    raw['Node Type'] = m[1];
    raw['Scan Direction'] = 'Backward';
  } else if (hasTarget && /^(Insert|Update|Delete|Merge)$/.test(t)) {
    raw['Node Type'] = 'ModifyTable';
    raw['Operation'] = t;
  } else if ((m = /^(HashSetOp|SetOp) (.+)$/.exec(t))) {
    raw['Node Type'] = 'SetOp';
    raw['Strategy'] = m[1] === 'HashSetOp' ? 'Hashed' : 'Sorted';
    raw['Command'] = m[2];
  } else if ((m = /^Custom Scan \((.+)\)$/.exec(t))) {
    raw['Node Type'] = 'Custom Scan';
    raw['Custom Plan Provider'] = m[1];
  } else raw['Node Type'] = t;
}

/** Parses a node line (without the `->`); returns JSON-style keys. */
export function parseNodeLine(text: string): Raw {
  const raw: Raw = {};
  const cut = PARENS_START.exec(text);
  const header = (cut ? text.slice(0, cut.index) : text).trim();
  const numbers = cut ? text.slice(cut.index) : '';
  const h = HEADER.exec(header)!;
  const [, display, index, target, alias] = h;
  typeFields(display!, raw, target !== undefined);
  const nodeType = raw['Node Type'] as string;
  if (nodeType === 'Bitmap Index Scan' && target) raw['Index Name'] = unquoteIdent(target);
  else {
    if (index) raw['Index Name'] = unquoteIdent(index);
    if (target) {
      const key = scanObjectKey(nodeType);
      const [schema, name] = splitQualified(target);
      if (key) {
        raw[key] = name;
        if (schema) raw['Schema'] = schema;
        raw['Alias'] = alias ? unquoteIdent(alias) : name;
      } else raw['Alias'] = name;
    }
  }
  let m: RegExpExecArray | null;
  if ((m = COST.exec(numbers))) {
    Object.assign(raw, {
      'Startup Cost': Number(m[1]), 'Total Cost': Number(m[2]), 'Plan Rows': Number(m[3]), 'Plan Width': Number(m[4]),
    });
  }
  if ((m = ACTUAL.exec(numbers))) {
    Object.assign(raw, {
      'Actual Startup Time': Number(m[1]), 'Actual Total Time': Number(m[2]),
      'Actual Rows': Number(m[3]), 'Actual Loops': Number(m[4]),
    });
  } else if ((m = ACTUAL_UNTIMED.exec(numbers))) {
    Object.assign(raw, { 'Actual Rows': Number(m[1]), 'Actual Loops': Number(m[2]) });
  } else if (NEVER.test(numbers)) {
    Object.assign(raw, { 'Actual Rows': 0, 'Actual Loops': 0, never: true });
  }
  return raw;
}

/** `Worker 0:  actual time=0.1..2.0 rows=5 loops=1` → the worker's JSON keys, or undefined. */
export function parseWorkerActual(rest: string): Raw | undefined {
  let m = /^actual time=([\d.]+)\.\.([\d.]+) rows=(\d+(?:\.\d+)?) loops=(\d+)/.exec(rest);
  if (m) {
    return {
      'Actual Startup Time': Number(m[1]), 'Actual Total Time': Number(m[2]),
      'Actual Rows': Number(m[3]), 'Actual Loops': Number(m[4]),
    };
  }
  m = /^actual rows=(\d+(?:\.\d+)?) loops=(\d+)/.exec(rest);
  return m ? { 'Actual Rows': Number(m[1]), 'Actual Loops': Number(m[2]) } : undefined;
}
