// Makes a workload query safe to put after EXPLAIN or PREPARE: trailing semicolons removed, and text
// holding more than one statement refused (a log line could carry `SELECT …; DROP …`).

/** The statement without its trailing `;`, or an error in words when it is not exactly one statement. */
export function singleStatement(sql: string): { sql: string } | { error: string } {
  const ends = statementEnds(sql);
  const body = sql.slice(0, ends.length ? ends[0] : sql.length).trim();
  if (!body) return { error: 'empty statement' };
  if (ends.length && hasCode(sql.slice(ends[0]! + 1))) {
    return { error: 'more than one statement in the query text; perfkit costs one statement at a time' };
  }
  return { sql: body };
}

/** The highest $n placeholder outside literals and comments (0 when none). */
export function maxParam(sql: string): number {
  let max = 0;
  scan(sql, (i) => {
    const m = /^\$(\d+)/.exec(sql.slice(i, i + 8));
    if (m) max = Math.max(max, Number(m[1]));
  });
  return max;
}

/** Offsets of `;` outside quotes, dollar quotes and comments. */
function statementEnds(sql: string): number[] {
  const ends: number[] = [];
  scan(sql, (i) => {
    if (sql[i] === ';') ends.push(i);
  });
  return ends;
}

/** Anything but blanks, semicolons and comments. */
function hasCode(sql: string): boolean {
  let found = false;
  scan(sql, (i) => void (found ||= !/[\s;]/.test(sql[i]!)), () => void (found = true));
  return found;
}

/** Calls visit(i) for every character of code outside '…', E'…', "…", $tag$…$tag$, -- and /* *\/
 *  comments, and literal() at each quoted or dollar-quoted string. */
function scan(sql: string, visit: (i: number) => void, literal: () => void = () => {}): void {
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (ch === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') (depth++, (i += 2));
        else if (sql[i] === '*' && sql[i + 1] === '/') (depth--, (i += 2));
        else i++;
      }
    } else if (ch === "'" || ch === '"') {
      literal();
      const escapes = ch === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
      i++;
      while (i < sql.length) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === ch && sql[i + 1] === ch) i += 2;
        else if (sql[i] === ch) break;
        else i++;
      }
      i++;
    } else if (ch === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        literal();
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? sql.length : close + tag[0].length;
      } else {
        visit(i);
        i++;
      }
    } else {
      visit(i);
      i++;
    }
  }
}
