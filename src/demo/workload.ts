// Parses a workload file: SQL statements, each introduced by a `-- name: <short-name>` line.
// Other whole-line comments are dropped, so the SQL sent is exactly what an application would send.
import { inputError } from '../cli/errors.js';

export interface WorkloadQuery {
  name: string;
  sql: string;
}

const HEADER = /^--\s*name:\s*(.*)$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const HINT = 'Each query needs a "-- name: <short-name>" line before it, and one statement per name.';

export function loadWorkload(text: string): WorkloadQuery[] {
  const queries: WorkloadQuery[] = [];
  let current: { name: string; line: number; lines: string[] } | undefined;

  const finish = () => {
    if (!current) return;
    const sql = current.lines.join('\n').trim().replace(/;\s*$/, '').trim();
    if (sql === '') throw inputError(`Workload query "${current.name}" (line ${current.line}) has no SQL.`, HINT);
    if (/;\s*$/m.test(sql)) {
      throw inputError(`Workload query "${current.name}" (line ${current.line}) holds more than one statement.`, HINT);
    }
    queries.push({ name: current.name, sql });
  };

  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const header = HEADER.exec(line);
    if (header) {
      finish();
      const name = header[1]!.trim();
      if (!NAME.test(name)) throw inputError(`Line ${i + 1}: "${name}" is not a valid query name.`, HINT);
      if (queries.some((q) => q.name === name)) {
        throw inputError(`Line ${i + 1}: the query name "${name}" is used twice.`, HINT);
      }
      current = { name, line: i + 1, lines: [] };
    } else if (line === '' || line.startsWith('--')) {
      return;
    } else if (!current) {
      throw inputError(`Line ${i + 1}: SQL before the first "-- name:" line.`, HINT);
    } else {
      current.lines.push(raw.trimEnd());
    }
  });
  finish();
  return queries;
}
