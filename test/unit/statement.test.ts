// What goes after EXPLAIN or PREPARE: exactly one statement by PostgreSQL's parser, and its $n count.
import { beforeAll, describe, expect, it } from 'vitest';
import { pgParser, soleStatement } from '../../src/db/statement.js';

let pg: Awaited<ReturnType<typeof pgParser>>;
beforeAll(async () => {
  pg = await pgParser();
});

describe('soleStatement', () => {
  it('drops trailing semicolons and comments, refuses a second statement', () => {
    expect(soleStatement(pg, 'SELECT 1;  ')).toMatchObject({ sql: 'SELECT 1', kind: 'SelectStmt' });
    expect(soleStatement(pg, 'SELECT 1; -- done\n;')).toMatchObject({ sql: 'SELECT 1' });
    expect(soleStatement(pg, "SELECT ';' AS x, $$a;b$$ /* ; */")).toMatchObject({ sql: expect.stringMatching(/^SELECT ';' AS x, \$\$a;b\$\$/), paramCount: 0 });
    expect(soleStatement(pg, 'SELECT 1; DROP TABLE t')).toMatchObject({ error: expect.stringMatching(/2 statements/), count: 2 });
    expect(soleStatement(pg, ' ; ')).toMatchObject({ error: 'empty statement', count: 0 });
    expect(soleStatement(pg, 'SELEC 1')).toMatchObject({ error: expect.stringMatching(/syntax error/), position: 1 });
  });

  it('counts $n placeholders from the parse tree, not inside literals or comments', () => {
    expect(soleStatement(pg, 'SELECT * FROM t WHERE a = $1 AND b IN ($2, $10)')).toMatchObject({ paramCount: 10 });
    expect(soleStatement(pg, "SELECT '$3', $$ $4 $$, \"$5\" -- $6\n")).toMatchObject({ paramCount: 0 });
  });
});
