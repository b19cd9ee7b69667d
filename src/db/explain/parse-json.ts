// EXPLAIN (FORMAT JSON) input: finds the plan document in what psql, node-postgres or a GUI gives,
// and says clearly (with line and column) when the JSON is cut off or is not a plan.

import type { Plan } from './model.js';
import { buildPlan } from './build-plan.js';
import { HINT_JSON, HINT_TRUNCATED, lineColumn, planInputError } from './input-errors.js';

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? 'an empty array' : `an array of ${describe(v[0])}`;
  if (isObject(v)) {
    const keys = Object.keys(v).slice(0, 5).map((k) => JSON.stringify(k));
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.join(', ')}`;
  }
  return v === null ? 'null' : `a ${typeof v}`;
}

/** The `{ "Plan": ... }` document inside what EXPLAIN (FORMAT JSON) returned, or why there is none. */
function findDocument(value: unknown, depth = 0): Raw | string {
  if (depth > 3) return 'JSON has no "Plan" key';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'JSON is an empty array, not a plan';
    return findDocument(value[0], depth + 1);
  }
  if (isObject(value)) {
    if ('Plan' in value) {
      const plan = value['Plan'];
      if (!isObject(plan)) return '"Plan" is not an object';
      if (typeof plan['Node Type'] !== 'string') return '"Plan" has no "Node Type"';
      return value;
    }
    // A result row exported by a GUI or a driver: {"QUERY PLAN": [...]}.
    if ('QUERY PLAN' in value) {
      const inner = value['QUERY PLAN'];
      return findDocument(typeof inner === 'string' ? safeParse(inner) : inner, depth + 1);
    }
    return `JSON has no "Plan" key (found ${describe(value)})`;
  }
  return `JSON has no "Plan" key (found ${describe(value)})`;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Builds a Plan from a parsed EXPLAIN JSON value; throws an input error naming `source`. */
export function planFromJsonValue(value: unknown, source: string): Plan {
  const doc = findDocument(typeof value === 'string' ? safeParse(value) : value);
  if (typeof doc === 'string') throw planInputError(source, `not an EXPLAIN plan: ${doc}`, HINT_JSON);
  return buildPlan(doc, 'json');
}

/** How many [ and { are still open at the end of the text (strings skipped). */
function openBrackets(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash escape
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) depth++;
    else if (c === 93 || c === 125) depth--;
  }
  return depth;
}

/** Parses JSON text, turning V8's messages into `line L, column C: ...`. */
export function parseJsonText(text: string, source: string, lineNumbers?: number[]): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = /at position (\d+)/.exec(message);
    const end = text.trimEnd().length;
    const offset = at ? Math.min(Number(at[1]), end) : end;
    const open = openBrackets(text);
    const truncated = /end of JSON input|Unterminated/i.test(message) || (offset >= end && open > 0);
    const { line, column } = lineColumn(text, offset);
    const originalLine = lineNumbers?.[line - 1] ?? line;
    const reason = message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
    const what = truncated
      ? `truncated JSON: it ends at line ${originalLine}, column ${column} with ${open} bracket${open === 1 ? '' : 's'} still open`
      : `malformed JSON at line ${originalLine}, column ${column} (${reason})`;
    throw planInputError(source, `not an EXPLAIN plan: ${what}`, truncated ? HINT_TRUNCATED : HINT_JSON, e);
  }
}
