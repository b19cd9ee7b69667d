// The entry state machines on hand-written lines: every event kind, multi-line entries, parameters,
// log_duration pairing, auto_explain, lock waits, csvlog rows and jsonlog lines.
import { describe, expect, it } from 'vitest';
import { CsvEntries, isEntryStart, JsonEntries, StderrEntries } from '../../../src/db/slow/entries.js';
import { parseParams } from '../../../src/db/slow/messages.js';
import { parsePlanMessage } from '../../../src/db/slow/plan-message.js';
import { compilePrefix } from '../../../src/db/slow/prefix.js';
import type { LogEvent } from '../../../src/db/slow/model.js';

const PREFIX = compilePrefix('%m [%p] %q%u@%d ');
const T = '2024-03-01 12:00:00.000 UTC';
const s = (pid: number, sev: string, body: string) => `${T} [${pid}] app@shop ${sev}:  ${body}`;
const bg = (pid: number, body: string) => `${T} [${pid}] LOG:  ${body}`;

function read(lines: string[]): { events: LogEvent[]; machine: StderrEntries } {
  const machine = new StderrEntries(PREFIX, 'pg.log');
  const events: LogEvent[] = [];
  lines.forEach((l, i) => machine.line(l, i + 1, events));
  machine.flush(events);
  return { events, machine };
}
const one = (lines: string[]) => {
  const { events } = read(lines);
  expect(events).toHaveLength(1);
  return events[0] as any;
};

describe('statements', () => {
  it('duration + statement, with meta', () => {
    expect(one([s(7, 'LOG', 'duration: 12.345 ms  statement: SELECT 1')])).toEqual({
      kind: 'statement', durationMs: 12.345, query: 'SELECT 1',
      meta: { at: 'pg.log:1', time: Date.UTC(2024, 2, 1, 12), pid: 7, user: 'app', database: 'shop' },
    });
  });

  it('multi-line statement: tab continuation lines', () => {
    const e = one([s(7, 'LOG', 'duration: 1 ms  statement: SELECT a,'), '\t       b', '\t  FROM t']);
    expect(e.query).toBe('SELECT a,\n       b\n  FROM t');
  });

  it('execute with DETAIL parameters: quotes, NULL, a newline inside a value', () => {
    const e = one([
      s(7, 'LOG', 'duration: 0.05 ms  execute find_item: SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3'),
      s(7, 'DETAIL', "parameters: $1 = 'it''s', $2 = NULL, $3 = 'two"), "\tlines, $9 = ''x'''"]);
    expect(e).toMatchObject({ kind: 'statement', preparedName: 'find_item', params: ["'it''s'", 'NULL', "'two\nlines, $9 = ''x'''"] });
    expect(one([s(7, 'LOG', 'duration: 1 ms  execute <unnamed>: SELECT $1'), s(7, 'DETAIL', "parameters: $1 = '5'")]))
      .toMatchObject({ query: 'SELECT $1', params: ["'5'"], preparedName: undefined });
    expect(one([s(7, 'LOG', 'duration: 1 ms  execute fetch from S_1/C_2: SELECT 1')]).preparedName).toBe('S_1');
  });

  it('parameters parsing edge cases', () => {
    expect(parseParams("parameters: $1 = '', $2 = ''''")).toEqual(["''", "''''"]);
    expect(parseParams('prepare: PREPARE x AS SELECT 1')).toBeUndefined();
    expect(parseParams("parameters: $1 = 'unterminated")).toEqual(["'unterminated"]);
  });

  it('parse and bind lines are skipped; a DETAIL from another pid is not attached', () => {
    const { events } = read([
      s(7, 'LOG', 'duration: 0.1 ms  parse <unnamed>: SELECT $1'),
      s(7, 'LOG', 'duration: 0.1 ms  bind <unnamed>: SELECT $1'),
      s(7, 'LOG', 'duration: 0.1 ms  execute <unnamed>: SELECT $1'),
      s(8, 'DETAIL', "parameters: $1 = '9'"),
    ]);
    expect(events).toHaveLength(1);
    expect((events[0] as any).params).toBeUndefined();
  });

  it('a 10,000-character statement is kept whole', () => {
    const q = `SELECT '${'x'.repeat(10_000)}'`;
    expect(one([s(7, 'LOG', `duration: 3 ms  statement: ${q}`)]).query).toBe(q);
  });

  it('log_statement + log_duration are paired by pid; stray durations dropped; errors clear the wait', () => {
    const { events } = read([
      s(7, 'LOG', 'statement: SELECT 7'),
      s(8, 'LOG', 'statement: SELECT 8'),
      s(9, 'LOG', 'duration: 0.5 ms'), // pid 9 has nothing waiting (a parse/bind duration)
      s(8, 'LOG', 'duration: 0.8 ms'),
      s(7, 'LOG', 'duration: 0.7 ms'),
      s(7, 'LOG', 'statement: SELECT 1/0'),
      s(7, 'ERROR', 'division by zero'),
      s(7, 'LOG', 'duration: 0.1 ms'),
      s(7, 'LOG', 'execute S_1: SELECT $1'),
      s(7, 'DETAIL', "parameters: $1 = '3'"),
      s(7, 'LOG', 'duration: 0.2 ms'),
    ]);
    const st = events.filter((e) => e.kind === 'statement') as any[];
    expect(st.map((e) => [e.query, e.durationMs, e.meta.pid])).toEqual([['SELECT 8', 0.8, 8], ['SELECT 7', 0.7, 7], ['SELECT $1', 0.2, 7]]);
    expect(st[2]).toMatchObject({ params: ["'3'"], preparedName: 'S_1' });
    expect(st[1].meta.at).toBe('pg.log:1'); // the statement's line
  });
});

describe('auto_explain plans', () => {
  it('text: multi-line query text, then the plan', () => {
    const e = one([
      s(7, 'LOG', 'duration: 301.2 ms  plan:'),
      '\tQuery Text: SELECT count(*)',
      '\t  FROM items WHERE qty = 3',
      '\tAggregate  (cost=191.50..191.51 rows=1 width=8)',
      '\t  ->  Seq Scan on items  (cost=0.00..189.00 rows=1000 width=0)',
    ]);
    expect(e).toMatchObject({ kind: 'plan', durationMs: 301.2, planFormat: 'text', query: 'SELECT count(*)\n  FROM items WHERE qty = 3' });
    expect(e.plan).toBe('Aggregate  (cost=191.50..191.51 rows=1 width=8)\n  ->  Seq Scan on items  (cost=0.00..189.00 rows=1000 width=0)');
  });

  it('JSON, and a cut JSON plan still gives its query', () => {
    const e = one([s(7, 'LOG', 'duration: 300 ms  plan:'), '\t{', '\t  "Query Text": "SELECT \\"a\\"\\nFROM t",', '\t  "Plan": {"Node Type": "Result"}', '\t}']);
    expect(e).toMatchObject({ kind: 'plan', planFormat: 'json', query: 'SELECT "a"\nFROM t' });
    expect(JSON.parse(e.plan).Plan['Node Type']).toBe('Result');
    expect(parsePlanMessage('\n{\n  "Query Text": "SELECT 1",\n  "Plan": {').query).toBe('SELECT 1');
  });
});

describe('secondary sections', () => {
  it('errors with STATEMENT; " at character N" dropped; only-errors log', () => {
    const { events, machine } = read([
      s(7, 'ERROR', 'relation "nope" does not exist at character 15'),
      s(7, 'STATEMENT', 'SELECT * FROM nope;'),
      s(7, 'FATAL', 'database "x" does not exist'),
      bg(1, 'PANIC:  nothing').replace('LOG:  PANIC:  ', 'PANIC:  '),
    ]);
    expect(events.map((e: any) => [e.kind, e.severity, e.message, e.statement])).toEqual([
      ['error', 'ERROR', 'relation "nope" does not exist', 'SELECT * FROM nope;'],
      ['error', 'FATAL', 'database "x" does not exist', undefined],
      ['error', 'PANIC', 'nothing', undefined],
    ]);
    expect(machine.matched).toBe(4);
  });

  it('temp files, checkpoints, autovacuum, connections', () => {
    const { events } = read([
      s(7, 'LOG', 'temporary file: path "base/pgsql_tmp/pgsql_tmp7.0", size 270336'),
      s(7, 'STATEMENT', 'SELECT * FROM t ORDER BY 1'),
      bg(2, 'checkpoint starting: immediate force wait'),
      bg(2, 'checkpoint complete: wrote 233 buffers (1.4%); 0 WAL file(s) added, 0 removed, 0 recycled; write=0.009 s, sync=0.006 s, total=0.025 s; sync files=47'),
      bg(3, 'automatic vacuum of table "db.public.t": index scans: 0'),
      '\tpages: 0 removed',
      '\tsystem usage: CPU: user: 0.00 s, system: 0.00 s, elapsed: 0.12 s',
      bg(3, 'automatic aggressive vacuum to prevent wraparound of table "db.public.u": index scans: 1'),
      bg(3, 'automatic analyze of table "db.public.t"'),
      s(9, 'LOG', 'connection received: host=[local]'),
      s(9, 'LOG', 'connection authorized: user=app database=shop'),
      s(9, 'LOG', 'disconnection: session time: 1:02:03.456 user=app database=shop host=[local]'),
    ]);
    expect(events.map(({ meta, ...e }) => e)).toEqual([
      { kind: 'tempfile', bytes: 270336, path: 'base/pgsql_tmp/pgsql_tmp7.0', statement: 'SELECT * FROM t ORDER BY 1' },
      { kind: 'checkpoint', phase: 'starting', reason: 'immediate force wait' },
      { kind: 'checkpoint', phase: 'complete', buffers: 233, writeMs: 9, syncMs: 6, totalMs: 25 },
      { kind: 'autovacuum', action: 'vacuum', table: 'db.public.t', elapsedMs: 120 },
      { kind: 'autovacuum', action: 'vacuum', table: 'db.public.u', elapsedMs: undefined },
      { kind: 'autovacuum', action: 'analyze', table: 'db.public.t', elapsedMs: undefined },
      { kind: 'connection', action: 'received' },
      { kind: 'connection', action: 'authorized' },
      { kind: 'connection', action: 'disconnection', sessionMs: 3_723_456 },
    ]);
  });

  it('lock waits: one event per wait, with the whole wait once acquired', () => {
    const { events } = read([
      s(7, 'LOG', 'process 7 still waiting for ShareLock on transaction 731 after 200.238 ms'),
      s(7, 'DETAIL', 'Process holding the lock: 6. Wait queue: 7.'),
      s(7, 'STATEMENT', 'UPDATE t SET a = 1'),
      s(8, 'LOG', 'process 8 still waiting for AccessExclusiveLock on relation 1 of database 5 after 1000.1 ms'),
      s(7, 'LOG', 'process 7 acquired ShareLock on transaction 731 after 1301.528 ms'),
      s(9, 'LOG', 'process 9 acquired ShareLock on transaction 9 after 5 ms'), // its wait began before this log
      s(8, 'ERROR', 'canceling statement due to lock timeout'),
    ]);
    expect(events.map((e: any) => [e.kind, e.meta.pid, e.waitMs, e.lockMode, e.acquired, e.statement])).toEqual([
      ['lockwait', 7, 1301.528, 'ShareLock', true, 'UPDATE t SET a = 1'],
      ['lockwait', 8, 1000.1, 'AccessExclusiveLock', undefined, undefined],
      ['error', 8, undefined, undefined, undefined, undefined],
    ]);
    // a wait still open at the end of the input is emitted by flush
    expect(read([s(7, 'LOG', 'process 7 still waiting for ShareLock on transaction 1 after 200 ms')]).events).toHaveLength(1);
  });
});

describe('lines that are not entries', () => {
  it('counts unparsed lines before any entry, and keeps samples', () => {
    const { events, machine } = read(['garbage one', 'garbage two', '\tcontinuation of nothing', s(7, 'LOG', 'duration: 1 ms  statement: SELECT 1'), 'appended']);
    expect(events).toHaveLength(1);
    expect((events[0] as any).query).toBe('SELECT 1\nappended');
    expect([machine.matched, machine.unparsed, machine.samples]).toEqual([1, 3, ['garbage one', 'garbage two', 'continuation of nothing']]);
  });

  it('isEntryStart: primary lines only', () => {
    expect(isEntryStart(s(7, 'LOG', 'x'), PREFIX)).toBe(true);
    expect(isEntryStart(s(7, 'STATEMENT', 'x'), PREFIX)).toBe(false);
    expect(isEntryStart('\tmore', PREFIX)).toBe(false);
    expect(isEntryStart('{"a":1}', 'jsonlog')).toBe(true);
  });
});

describe('csvlog and jsonlog records', () => {
  it('a csv row gives the same event as its stderr line', () => {
    const row = ['2024-03-01 12:00:00.000 UTC', 'app', 'shop', '7', '10.0.0.1:5555', 's', '1', 'SELECT', '', '3/1', '0', 'LOG', '00000',
      'duration: 1 ms  execute <unnamed>: SELECT $1', "parameters: $1 = 'a''b'", '', '', '', '', '', '', '', 'psql', 'client backend', '', '0'];
    const m = new CsvEntries('pg.csv');
    const out: LogEvent[] = [];
    m.row(row, 4, out);
    m.row(['not', 'csvlog'], 5, out);
    expect(out).toEqual([{ kind: 'statement', durationMs: 1, query: 'SELECT $1', params: ["'a''b'"], preparedName: undefined,
      meta: { at: 'pg.csv:4', time: Date.UTC(2024, 2, 1, 12), pid: 7, user: 'app', database: 'shop', application: 'psql', host: '10.0.0.1' } }]);
    expect([m.matched, m.unparsed]).toEqual([1, 1]);
  });

  it('jsonlog: errors carry state_code and statement', () => {
    const m = new JsonEntries('pg.json');
    const out: LogEvent[] = [];
    m.line('{"timestamp":"2024-03-01 12:00:00.000 UTC","pid":7,"error_severity":"ERROR","state_code":"22012","message":"division by zero","statement":"SELECT 1/0"}', 1, out);
    m.line('{"not":"a log"}', 2, out);
    m.line('{broken', 3, out);
    expect(out).toEqual([{ kind: 'error', severity: 'ERROR', sqlstate: '22012', message: 'division by zero', statement: 'SELECT 1/0',
      meta: { at: 'pg.json:1', time: Date.UTC(2024, 2, 1, 12), pid: 7 } }]);
    expect([m.matched, m.unparsed]).toEqual([1, 2]);
  });
});
