// The one entry point for plans a user gives: detects JSON or text, removes psql's framing, and turns
// empty, binary or broken input into one-line input errors that name the source.

import type { Plan } from './model.js';
import { HINT_EXPLAIN, lineColumn, planInputError } from './input-errors.js';
import { parseJsonText, planFromJsonValue } from './parse-json.js';
import { parseTextPlan } from './parse-text.js';
import { unframe } from './psql-frame.js';

function checkReadable(text: string, source: string): void {
  if (text.trim() === '') throw planInputError(source, 'empty input: no EXPLAIN plan to read', HINT_EXPLAIN);
  const nul = text.indexOf('\u0000');
  if (nul !== -1) {
    const { line } = lineColumn(text, nul);
    throw planInputError(source, `not an EXPLAIN plan: input is binary (NUL byte on line ${line})`, HINT_EXPLAIN);
  }
  const bad = text.indexOf('\uFFFD');
  if (bad !== -1) {
    const { line, column } = lineColumn(text, bad);
    throw planInputError(
      source,
      `not an EXPLAIN plan: input is not valid UTF-8 text (undecodable byte at line ${line}, column ${column})`,
      HINT_EXPLAIN,
    );
  }
}

/** Parses EXPLAIN output in JSON or text format, as psql, pg or a GUI gives it. */
export function parsePlanInput(text: string, source: string): Plan {
  checkReadable(text, source);
  // Fast path: plain JSON, as psql -XAt or a driver writes it.
  const start = text.trimStart()[0];
  if (start === '[' || start === '{') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (value !== undefined) return planFromJsonValue(value, source);
  }
  const { lines, lineNumbers } = unframe(text);
  const body = lines.join('\n');
  const first = body.trimStart()[0];
  if (first === '[' || first === '{') {
    return planFromJsonValue(parseJsonText(body, source, lineNumbers), source);
  }
  if (first === '"') {
    // A JSON string holding the plan (e.g. a column exported as a quoted value).
    const inner = parseJsonText(body, source, lineNumbers);
    if (typeof inner === 'string') return parsePlanInput(inner, source);
  }
  return parseTextPlan(lines, source);
}

/** For live mode: the value node-postgres returns in the `QUERY PLAN` column of EXPLAIN (FORMAT JSON). */
export function planFromExplainJson(value: unknown, source = 'EXPLAIN output'): Plan {
  return planFromJsonValue(value, source);
}
