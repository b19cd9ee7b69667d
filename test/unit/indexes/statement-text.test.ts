// What the costers put after EXPLAIN: exactly one statement, and the $n count for generic plans.
import { describe, expect, it } from 'vitest';
import { maxParam, singleStatement } from '../../../src/db/indexes/costing/statement-text.js';

describe('singleStatement', () => {
  it('drops trailing semicolons and comments, refuses a second statement', () => {
    expect(singleStatement('SELECT 1;  ')).toEqual({ sql: 'SELECT 1' });
    expect(singleStatement('SELECT 1; -- done\n;')).toEqual({ sql: 'SELECT 1' });
    expect(singleStatement("SELECT ';' AS x, $$a;b$$ /* ; */")).toEqual({ sql: "SELECT ';' AS x, $$a;b$$ /* ; */" });
    expect(singleStatement("SELECT E'\\';' ; ")).toEqual({ sql: "SELECT E'\\';'" });
    expect(singleStatement('SELECT 1; DROP TABLE t')).toEqual({ error: expect.stringMatching(/more than one statement/) });
    expect(singleStatement("SELECT 1; 'x'")).toEqual({ error: expect.stringMatching(/more than one statement/) });
    expect(singleStatement(' ; ')).toEqual({ error: 'empty statement' });
  });

  it('counts $n placeholders outside literals', () => {
    expect(maxParam('SELECT * FROM t WHERE a = $1 AND b IN ($2, $10)')).toBe(10);
    expect(maxParam("SELECT '$3', $$ $4 $$, \"$5\" -- $6\n")).toBe(0);
  });
});
