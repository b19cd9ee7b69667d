// The memoized fingerprinter: the cheap literal stripper (the fallback normalizer), one libpg-query call per
// distinct key, equal keys meaning equal fingerprints, the fallback for statements that do not parse, and the
// bounded cache.
import { beforeAll, describe, expect, it } from 'vitest';
import { Fingerprinter, loadFingerprinter } from '../../../src/db/slow/fingerprint.js';
import { hash64, stripLiterals } from '../../../src/db/slow/normalize.js';
import { pgParser } from '../../../src/db/statement.js';

let pg: Awaited<ReturnType<typeof pgParser>>;
beforeAll(async () => {
  pg = await pgParser();
});

const strip = (sql: string) => stripLiterals(sql).slice(1);

describe('stripLiterals (the fallback normalizer)', () => {
  it.each([
    ["SELECT * FROM t WHERE a = 1 AND b = 'x''y'", 'SELECT * FROM t WHERE a = ? AND b = ?'],
    ['select 1.5e3, .5, 0x1F, 1_000, -7', 'select ?, ?, ?, ?, -?'],
    ["select E'a\\'b', B'101', X'ff', N'n', U&'\\0041'", 'select ?, ?, ?, ?, ?'],
    ['select $$a $1 b$$, $tag$x$$y$tag$, $2', 'select ?, ?, ?'],
    ['select * from users_2009 u where u.id = $1', 'select * from users_2009 u where u.id = ?'],
    ['select "Col 1" from "T""x" where x in (1, 2, 3)', 'select "Col 1" from "T""x" where x in (?)'],
    ['insert into t (a, b) values (1, 2), (3, 4),(5,6);', 'insert into t (a, b) values (?)'],
    ['select a -- note\n  from /* one /* nested */ two */ t', 'select a from t'],
    ['select  a,\n\t b\n from t ;;', 'select a, b from t'],
    ['select x::varchar(10), a[1] from t', 'select x::varchar(?), a[?] from t'],
  ])('%s', (sql, out) => expect(strip(sql)).toBe(out));

  it('marks a statement whose string or comment runs off the end', () => {
    expect(stripLiterals("select * from t where x = 'abc")).toBe('Iselect * from t where x = ?');
    expect(stripLiterals("select * from t where x = 'abc'")).toBe('Dselect * from t where x = ?');
    expect(stripLiterals('select 1 /* cut')).toBe('Iselect ?');
  });

  it('hashes to 16 hex digits, stably', () => {
    expect(hash64('select ?')).toMatch(/^[0-9a-f]{16}$/);
    expect(hash64('select ?')).toBe(hash64('select ?'));
    expect(hash64('select ?')).not.toBe(hash64('select ? '));
  });
});

describe('Fingerprinter', () => {
  it('gives the libpg-query fingerprint and normalized text, once per distinct key', () => {
    const f = new Fingerprinter(pg);
    const a = f.fingerprint('UPDATE pgbench_accounts SET abalance = abalance + -4 WHERE aid = 1234;');
    const b = f.fingerprint('UPDATE pgbench_accounts SET abalance = abalance + 17 WHERE aid = 99');
    const c = f.fingerprint('UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2');
    expect(a.fingerprint).toBe(pg.fingerprintSync('UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 1'));
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).toBe(a.fingerprint); // pg_stat_statements' $n text joins with logged literals
    expect(a.query).toBe('UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;');
    expect(a.fallback).toBe(false);
    // -4 keeps its sign in the key (a second key); 17 and $1 share one.
    expect(f.stats).toEqual({ calls: 3, parsed: 2, fallbackKeys: 0 });
    for (let i = 0; i < 100; i++) f.fingerprint(`UPDATE pgbench_accounts SET abalance = abalance + ${i} WHERE aid = ${i * 7}`);
    expect(f.stats.parsed).toBe(2);
  });

  it('never gives one key two fingerprints: equal keys have equal libpg-query fingerprints', () => {
    const variants = [
      ["select * from t where x in (1,2,3) and y = 'a'", "select * from t where x in (4) and y = 'bb'", 'select * from t where x in ($1, $2) and y = $3'],
      ['insert into t values (1,2),(3,4)', "insert into t values ('a', 2)", 'insert into t values ($1, $2)'],
      ['select x::numeric(10,2) from t order by 1 limit 5', 'select x::numeric(12) from t order by 2 limit 10'],
      ["select * from t where d > now() - interval '1 day'", "select * from t where d > now() - interval '2 hours'"],
      ["select coalesce(a, 1, 2), substr('x', 1) from t", "select coalesce(a, 9, 8), substr('y', 3, 4) from t"],
    ];
    for (const group of variants) {
      const keys = new Set(group.map(stripLiterals));
      expect(keys.size).toBe(1);
      expect(new Set(group.map((q) => pg.fingerprintSync(q))).size).toBe(1);
    }
  });

  it('keys utility statements by their text: their strings can be structural', () => {
    const f = new Fingerprinter(pg);
    const a = f.fingerprint("NOTIFY jobs, 'a'");
    const b = f.fingerprint("NOTIFY jobs, 'b'");
    expect(a.fingerprint).toBe(pg.fingerprintSync("NOTIFY jobs, 'a'"));
    expect(b.fingerprint).toBe(pg.fingerprintSync("NOTIFY jobs, 'b'"));
    expect(a.fingerprint).not.toBe(b.fingerprint);
    expect(f.fingerprint("ALTER ROLE app PASSWORD 'secret'").query).not.toContain('secret');
  });

  it('falls back for a statement libpg-query cannot parse, with a prefixed stable hash', () => {
    const f = new Fingerprinter(pg);
    const cut = "SELECT abalance FROM pgbench_accounts WHERE aid = 12 AND note = 'truncat";
    const r = f.fingerprint(cut);
    expect(r.fallback).toBe(true);
    expect(r.fingerprint).toMatch(/^~[0-9a-f]{16}$/);
    expect(r.query).toBe('SELECT abalance FROM pgbench_accounts WHERE aid = ? AND note = ?');
    expect(f.fingerprint("SELECT abalance FROM pgbench_accounts WHERE aid = 99 AND note = 'other cut").fingerprint).toBe(r.fingerprint);
    expect(new Fingerprinter(pg).fingerprint(cut).fingerprint).toBe(r.fingerprint);
    expect(f.fingerprint('SELECT * FROM t WHERE').fallback).toBe(true);
    expect(f.fingerprint("SELECT abalance FROM pgbench_accounts WHERE aid = 12 AND note = 'whole'").fallback).toBe(false);
    expect(f.stats.fallbackKeys).toBe(2);
  });

  it('stays bounded: a full young generation ages out, entries in use survive', () => {
    const f = new Fingerprinter(pg, { maxEntries: 10 });
    f.fingerprint('select a from t where x = 1');
    for (let i = 0; i < 4; i++) f.fingerprint(`select c${i} from t`);
    f.fingerprint('select a from t where x = 2'); // copied forward from the old generation
    for (let i = 4; i < 14; i++) f.fingerprint(`select c${i} from t`);
    const parsed = f.stats.parsed;
    f.fingerprint('select c0 from t');
    expect(f.stats.parsed).toBe(parsed + 1);
  });

  it('loads libpg-query itself', async () => {
    const f = await loadFingerprinter();
    expect(f.fingerprint('select 1').fingerprint).toBe(pg.fingerprintSync('select 2'));
  });

  it('is fast on a hot cache (printed, not asserted)', () => {
    const f = new Fingerprinter(pg);
    const n = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f.fingerprint(`UPDATE pgbench_accounts SET abalance = abalance + ${i % 5000} WHERE aid = ${i * 31};`);
    const ns = ((performance.now() - t0) * 1e6) / n;
    console.log(`fingerprint, hot cache: ${ns.toFixed(0)} ns/statement (${Math.round(1e9 / ns).toLocaleString('en')} /s)`);
    expect(f.stats.parsed).toBeLessThan(3);
  });
});
