import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadWorkload } from '../../src/demo/workload.js';

describe('loadWorkload', () => {
  it('splits named statements and drops comment lines and the final semicolon', () => {
    const text = [
      '-- a workload',
      '',
      '-- name: first',
      '-- why it is slow',
      'SELECT 1',
      'FROM t;',
      '',
      '-- name: second',
      "SELECT '--not a comment' AS x;",
    ].join('\n');
    expect(loadWorkload(text)).toEqual([
      { name: 'first', sql: 'SELECT 1\nFROM t' },
      { name: 'second', sql: "SELECT '--not a comment' AS x" },
    ]);
  });

  it('rejects SQL before the first name, empty queries, duplicate names and two statements', () => {
    expect(() => loadWorkload('SELECT 1;\n-- name: a\nSELECT 2;')).toThrow(/before the first/);
    expect(() => loadWorkload('-- name: a\n-- only a comment\n-- name: b\nSELECT 1;')).toThrow(/"a".*no SQL/);
    expect(() => loadWorkload('-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;')).toThrow(/used twice/);
    expect(() => loadWorkload('-- name: a\nSELECT 1;\nSELECT 2;')).toThrow(/more than one statement/);
    expect(() => loadWorkload('-- name: has space\nSELECT 1;')).toThrow(/not a valid query name/);
  });

  it('reads the demo workload fixture', () => {
    const text = readFileSync(new URL('../../fixtures/pg/demo/workload.sql', import.meta.url), 'utf8');
    const queries = loadWorkload(text);
    expect(queries.length).toBeGreaterThanOrEqual(8);
    expect(queries.map((q) => q.name)).toContain('customer-order-history');
    for (const q of queries) expect(q.sql).not.toMatch(/^--|;$/m);
  });
});
