// log_line_prefix compilation, inference from lines, and the "0 of N lines matched" message.
import { describe, expect, it } from 'vitest';
import { compilePrefix, COMMON_PREFIXES, describeMismatch, guessPrefix, inferPrefix, metaOf } from '../../../src/db/slow/prefix.js';
import { parseLogTime, zoneOffsetMinutes } from '../../../src/db/slow/log-time.js';

function parse(prefix: string, line: string) {
  const c = compilePrefix(prefix);
  const m = c.regex.exec(line);
  if (!m) return undefined;
  return { severity: m[c.groups.severity], body: line.slice(m[0].length), meta: metaOf(c, m, 'x:1'), sqlstate: c.groups.sqlstate ? m[c.groups.sqlstate] : undefined };
}

describe('compilePrefix', () => {
  it('Debian default with %q: session and background lines', () => {
    const p = '%m [%p] %q%u@%d ';
    const s = parse(p, '2024-03-01 12:34:56.789 UTC [4242] alice@shop LOG:  duration: 1.5 ms  statement: SELECT 1');
    expect(s).toEqual({
      severity: 'LOG', body: 'duration: 1.5 ms  statement: SELECT 1', sqlstate: undefined,
      meta: { at: 'x:1', time: Date.UTC(2024, 2, 1, 12, 34, 56, 789), pid: 4242, user: 'alice', database: 'shop' },
    });
    const bg = parse(p, '2024-03-01 12:34:56.789 UTC [17] LOG:  checkpoint starting: time');
    expect(bg?.meta).toEqual({ at: 'x:1', time: Date.UTC(2024, 2, 1, 12, 34, 56, 789), pid: 17 });
    expect(bg?.body).toBe('checkpoint starting: time');
    // before authentication PostgreSQL prints [unknown]: not a user
    expect(parse(p, '2024-03-01 12:34:56.789 UTC [9] [unknown]@[unknown] LOG:  connection received: host=[local]')?.meta.user).toBeUndefined();
  });

  it('pgbadger style with %t, %a, %h and empty values; CET time', () => {
    const p = '%t [%p]: user=%u,db=%d,app=%a,client=%h ';
    const s = parse(p, '2026-11-21 15:47:40 CET [25382]: user=postgres,db=perfkit_logs,app=psql interactive,client=127.0.0.1 LOG:  x');
    expect(s?.meta).toEqual({ at: 'x:1', time: Date.UTC(2026, 10, 21, 14, 47, 40), pid: 25382, user: 'postgres', database: 'perfkit_logs', application: 'psql interactive', host: '127.0.0.1' });
    expect(parse(p, '2026-11-21 15:47:40 CET [1]: user=,db=,app=,client= LOG:  x')?.meta).toEqual({ at: 'x:1', time: Date.UTC(2026, 10, 21, 14, 47, 40), pid: 1 });
  });

  it('RDS %t:%r:%u@%d:[%p]: with host(port), %e, %l, %c, %n, %x, %v, padding and %%', () => {
    const rds = parse('%t:%r:%u@%d:[%p]:', '2024-03-01 12:00:00 UTC:10.0.0.5(51234):app@prod:[777]:ERROR:  boom');
    expect(rds?.meta).toMatchObject({ host: '10.0.0.5', user: 'app', database: 'prod', pid: 777 });
    expect(rds?.severity).toBe('ERROR');
    const e = parse('%m %e [%l] %c %x %v %% ', '2024-03-01 12:00:00.000 +02 42P01 [3] 65e1a2b3.1a2b 0 3/7 % ERROR:  relation');
    expect(e?.sqlstate).toBe('42P01');
    expect(e?.meta.time).toBe(Date.UTC(2024, 2, 1, 10));
    expect(parse('%n [%-6p] ', '1709294400.250 [42    ] LOG:  x')?.meta).toEqual({ at: 'x:1', time: 1709294400250, pid: 42 });
  });

  it('DETAIL/STATEMENT severities, and a line of another prefix does not match', () => {
    expect(parse('%m [%p] ', '2024-03-01 12:00:00.000 UTC [1] STATEMENT:  SELECT 1')?.severity).toBe('STATEMENT');
    expect(parse('%m [%p] ', '2024-03-01 12:00:00 UTC [1]: LOG:  x')).toBeUndefined();
    expect(parse('%m [%p] ', '\tcontinued')).toBeUndefined();
  });

  it('stays fast on a long line that does not match (bounded lazy fields)', () => {
    const c = compilePrefix('%m [%p] %q%u@%d %a %i %b ');
    const line = `2024-03-01 12:00:00.000 UTC [1] ${'x@y '.repeat(3000)}`;
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) c.regex.exec(line);
    // Not a speed test: a backtracking blow-up on 3,000 fields never finishes; linear matching takes
    // milliseconds, and even a loaded CI machine stays far under this bound.
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe('log times', () => {
  it('zones: names, numeric offsets, unknown read as UTC', () => {
    expect(zoneOffsetMinutes('UTC')).toBe(0);
    expect(zoneOffsetMinutes('CEST')).toBe(120);
    expect(zoneOffsetMinutes('-03')).toBe(-180);
    expect(zoneOffsetMinutes('+05:30')).toBe(330);
    expect(zoneOffsetMinutes('+0545')).toBe(345);
    expect(parseLogTime('2024-03-01 12:00:00.5 XYZT')).toBe(Date.UTC(2024, 2, 1, 12, 0, 0, 500));
    expect(parseLogTime('2024-03-01 09:00:00 -03')).toBe(Date.UTC(2024, 2, 1, 12));
    expect(parseLogTime('not a time at all here')).toBeUndefined();
  });
});

describe('inferPrefix', () => {
  const debian = [
    '2024-03-01 12:00:00.000 UTC [10] LOG:  database system is ready to accept connections',
    '2024-03-01 12:00:01.000 UTC [11] alice@shop LOG:  duration: 1.000 ms  statement: SELECT 1',
    '2024-03-01 12:00:01.000 UTC [11] alice@shop ERROR:  division by zero',
    '2024-03-01 12:00:01.000 UTC [11] alice@shop STATEMENT:  SELECT 1/0',
  ];

  it('picks the prefix matching most lines; a plain log keeps the plain prefix on a tie', () => {
    expect(inferPrefix(debian)).toBe('%m [%p] %q%u@%d ');
    expect(inferPrefix(['2024-03-01 12:00:00.000 UTC [10] LOG:  a', '2024-03-01 12:00:00.000 UTC [11] ERROR:  b'])).toBe('%m [%p] ');
    expect(inferPrefix(['2024-03-01 12:00:00 UTC [10]: [3-1] user=a,db=b,app=psql,client=[local] LOG:  x']))
      .toBe('%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ');
  });

  it('builds a prefix from the lines when no common one fits', () => {
    const lines = ['pg 2024-03-01 12:00:00.000 UTC (pid [123]) app=web LOG:  x', 'pg 2024-03-01 12:00:00.000 UTC (pid [124]) app=job ERROR:  y'];
    const p = inferPrefix(lines);
    expect(p).toBe('pg %m (pid [%p]) app=%a ');
    expect(guessPrefix('2024-03-01 12:00:00 UTC [5] bob@db LOG:  z')).toEqual(['%t [%p] %u@%d ', '%t [%p] %q%u@%d ']);
  });

  it('nothing to go on: undefined', () => {
    expect(inferPrefix(['hello', 'world'])).toBeUndefined();
    expect(inferPrefix([])).toBeUndefined();
  });

  it('every common prefix compiles', () => {
    for (const p of COMMON_PREFIXES) expect(() => compilePrefix(p)).not.toThrow();
  });
});

describe('describeMismatch', () => {
  it('says how many lines, what they look like, and what to try', () => {
    const msg = describeMismatch({
      lines: 10000, prefix: '%m [%p] ', prefixSource: 'flag',
      samples: ['2024-03-01 12:00:00 UTC [10]: LOG:  duration: 0.1 ms  statement: SELECT something rather long that will be cut'],
      suggestion: '%t [%p]: ',
    });
    expect(msg).toBe("0 of 10,000 lines matched prefix '%m [%p] '; lines look like '2024-03-01 12:00:00 UTC [10]: LOG:  duration: 0.1 ms  statement: SELECT somethi…'; try --prefix '%t [%p]: '");
  });

  it('without a suggestion, points at SHOW log_line_prefix; names the server as the source', () => {
    const msg = describeMismatch({ lines: 3, prefix: '%m ', prefixSource: 'server', samples: ['garbage'] });
    expect(msg).toBe("0 of 3 lines matched prefix '%m ' (the server's log_line_prefix); lines look like 'garbage'; pass the server's log_line_prefix with --prefix (SHOW log_line_prefix)");
    expect(describeMismatch({ lines: 2, samples: ['x'] })).toMatch(/^0 of 2 lines start with a log_line_prefix perfkit recognises/);
  });
});
