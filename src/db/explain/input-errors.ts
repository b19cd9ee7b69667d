// The input errors a plan can earn: one line each, naming the source, with a hint saying what to pass.

import { inputError, type PerfkitError } from '../../cli/errors.js';

export const HINT_EXPLAIN =
  'pass the output of EXPLAIN (FORMAT JSON) or EXPLAIN as psql prints it, e.g. ' +
  `psql -XAt -c "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT …" > plan.json`;

export const HINT_JSON =
  'pass the output of EXPLAIN (FORMAT JSON) …: an array like [{"Plan": {...}, "Execution Time": ...}], e.g. ' +
  `psql -XAt -c "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT …" > plan.json`;

export const HINT_TRUNCATED =
  'the JSON looks cut off or edited; capture it again in one piece, e.g. ' +
  `psql -XAt -c "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT …" > plan.json`;

export const HINT_TEXT =
  'pass EXPLAIN output with its node lines, e.g. "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)"; ' +
  'keep COSTS on, or use FORMAT JSON';

const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

export function planInputError(source: string, message: string, hint: string, cause?: unknown): PerfkitError {
  return inputError(oneLine(`${source}: ${message}`), hint, cause);
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}
