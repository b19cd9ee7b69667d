// What a user sees for input that is not a plan: an input error (exit 2), one line, naming the file.
import { describe, expect, it } from 'vitest';
import { PerfkitError } from '../../../src/cli/errors.js';
import { parsePlanInput, planFromExplainJson } from '../../../src/db/explain/parse.js';
import { readFixture } from './fixtures.js';

function failure(run: () => unknown): PerfkitError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(PerfkitError);
    return e as PerfkitError;
  }
  throw new Error('expected an input error, but the plan parsed');
}

function expectInputError(text: string, source: string, pattern: RegExp): PerfkitError {
  const e = failure(() => parsePlanInput(text, source));
  expect(e.kind).toBe('input');
  expect(e.message.startsWith(`${source}: `)).toBe(true);
  expect(e.message).not.toMatch(/[\r\n]/);
  expect(e.message).toMatch(pattern);
  expect(e.hint).toBeTruthy();
  return e;
}

describe('input errors', () => {
  it('empty or blank input', () => {
    expectInputError('', 'plan.json', /empty input/);
    expectInputError(' \n\t\n', 'plan.txt', /empty input/);
  });

  it('binary input: NUL bytes', () => {
    const e = expectInputError('PK\u0003\u0004\u0000\u0000binary', 'plan.zip', /binary/);
    expect(e.message).toMatch(/line 1/);
  });

  it('binary input: bytes that are not UTF-8 (decoded as replacement characters)', () => {
    const bytes = Buffer.concat([Buffer.from('Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n'), Buffer.from([0xff, 0xfe, 0x80])]);
    const e = expectInputError(new TextDecoder().decode(bytes), 'plan.bin', /not valid UTF-8/);
    expect(e.message).toMatch(/line 2, column 1/);
  });

  it('truncated JSON says where it ends', () => {
    const full = readFixture('hash-batches.json');
    const cut = full.slice(0, Math.floor(full.length / 2));
    const lines = cut.trimEnd().split('\n');
    const e = expectInputError(cut, 'plan.json', /truncated JSON/);
    expect(e.message).toContain(`line ${lines.length}, column`);
  });

  it('malformed JSON says the line and column of the mistake', () => {
    const e = expectInputError('[\n  {\n    "Plan": {"Node Type": "Seq Scan",}\n  }\n]', 'plan.json', /malformed JSON at line 3, column \d+/);
    expect(e.hint).toMatch(/FORMAT JSON/);
  });

  it('truncated JSON in psql framing names the original line', () => {
    const framed = readFixture('disk-sort.psql-json.txt').split('\n').slice(0, 30).join('\n');
    expectInputError(framed, 'psql.txt', /truncated JSON: it ends at line 30,/);
  });

  it('JSON that is not a plan', () => {
    const e = expectInputError('{"rows": [1, 2, 3]}', 'data.json', /not an EXPLAIN plan: JSON has no "Plan" key/);
    expect(e.message).toBe('data.json: not an EXPLAIN plan: JSON has no "Plan" key (found an object with keys "rows")');
    expect(e.hint).toMatch(/EXPLAIN \(FORMAT JSON\)/);
    expectInputError('[]', 'empty.json', /empty array/);
    expectInputError('[1, 2]', 'numbers.json', /no "Plan" key/);
    expectInputError('[{"Plan": {"Total Cost": 1}}]', 'typeless.json', /"Plan" has no "Node Type"/);
  });

  it('text that is not a plan', () => {
    const e = expectInputError('hello\nthis is not\na plan\n', 'notes.txt', /no plan node line with \(cost=…\) or \(actual …\) found/);
    expect(e.hint).toMatch(/cost=/);
    expectInputError('SELECT * FROM orders WHERE id = 1;', 'query.sql', /not an EXPLAIN plan/);
  });

  it('planFromExplainJson rejects a value that is not a plan', () => {
    const e = failure(() => planFromExplainJson([{ 'QUERY PLAN': 'nope' }]));
    expect(e.kind).toBe('input');
    expect(e.message).toMatch(/^EXPLAIN output: not an EXPLAIN plan/);
  });
});
