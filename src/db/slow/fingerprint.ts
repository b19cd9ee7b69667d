// Fast, memoized query fingerprints. libpg-query's fingerprint costs ~50–100 µs, far too much per statement on
// millions of log lines, so each statement is first reduced by a cheap single-pass literal stripper to a cache
// key, and libpg-query (fingerprintSync + normalizeSync for the display text) runs once per distinct key.
//
// THE FALLBACK NORMALIZER (normalize.ts), one pass over the text:
//   - `--` and `/* */` comments (nested) are dropped; runs of whitespace become one space;
//   - numbers (12, 1.5e3, .5, 0x1F, 1_000), 'strings' ('' escapes), E'..' (backslash escapes), B'..', X'..',
//     N'..', U&'..', $tag$..$tag$ strings and $n parameters become `?` (digits inside identifiers stay);
//   - "quoted identifiers" are kept verbatim; case is kept;
//   - for display, the text is trimmed, trailing `;` removed, and lists of placeholders collapse:
//     `(?, ?, ?)` → `(?)`, `(?), (?)` → `(?)` (IN lists, VALUES rows).
// The cache key is a 53-bit hash of that token stream (no string is built on the hot path). libpg-query's
// fingerprint ignores constants, parameters and list lengths, so equal keys mean equal fingerprints. Utility
// statements (not SELECT/INSERT/UPDATE/DELETE/WITH/VALUES/MERGE/TABLE) are keyed by their raw text, since their
// strings can be structural (NOTIFY payloads, COMMENT text). A statement whose string, comment or quoted name
// runs to the end (a truncated one) never shares a key with a complete one.
//
// A statement libpg-query cannot parse (typically truncated) gets the normalizer's text as its display text
// and `~` + 16 hex digits of a 64-bit hash of that text as its fingerprint (never a real, all-hex fingerprint),
// with `fallback: true`. The cache is a two-generation LRU bounded by entries and characters.
import { hash64, statementKey, stripLiterals } from './normalize.js';

export interface FingerprintResult {
  /** 16 hex digits from libpg-query, or `~` + 16 hex digits for the fallback normalizer. */
  fingerprint: string;
  /** Display text: libpg-query's normalized query ($1, $2 …), or the fallback normalizer's (?). */
  query: string;
  fallback: boolean;
}

export type FingerprintFn = (sql: string) => FingerprintResult;

export interface PgFingerprintApi {
  fingerprintSync(sql: string): string;
  normalizeSync(sql: string): string;
}

export interface FingerprinterOptions {
  /** Distinct keys remembered (default 50 000). */
  maxEntries?: number;
  /** Characters of keys and display texts remembered (default 32 M). */
  maxChars?: number;
  /** Display texts longer than this are cut, with `…` (default 10 000). */
  maxQueryLength?: number;
}

export interface FingerprinterStats {
  calls: number;
  /** Calls answered by libpg-query (cache misses). */
  parsed: number;
  /** Distinct keys that fell back to the cheap normalizer. */
  fallbackKeys: number;
}

const FINGERPRINT = /^[0-9a-f]{16}$/;

export class Fingerprinter {
  readonly stats: FingerprinterStats = { calls: 0, parsed: 0, fallbackKeys: 0 };
  private current = new Map<number, FingerprintResult>();
  private previous = new Map<number, FingerprintResult>();
  private chars = 0;
  private readonly maxEntries: number;
  private readonly maxChars: number;
  private readonly maxQueryLength: number;

  constructor(
    private readonly pg: PgFingerprintApi,
    opts: FingerprinterOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? 50_000;
    this.maxChars = opts.maxChars ?? 32_000_000;
    this.maxQueryLength = opts.maxQueryLength ?? 10_000;
  }

  /** Bound to the instance, so it can be passed around as a FingerprintFn. */
  readonly fingerprint = (sql: string): FingerprintResult => {
    this.stats.calls++;
    const key = statementKey(sql);
    let hit = this.current.get(key);
    if (hit) return hit;
    hit = this.previous.get(key);
    if (!hit) hit = this.compute(sql);
    this.remember(key, hit);
    return hit;
  };

  private compute(sql: string): FingerprintResult {
    this.stats.parsed++;
    try {
      // On a syntax error libpg-query's WASM build may return the error message instead of throwing.
      const fingerprint = this.pg.fingerprintSync(sql);
      if (FINGERPRINT.test(fingerprint)) return { fingerprint, query: this.cut(this.pg.normalizeSync(sql).trim()), fallback: false };
    } catch {
      // falls back below
    }
    this.stats.fallbackKeys++;
    const text = stripLiterals(sql).slice(1);
    return { fingerprint: '~' + hash64(text), query: this.cut(text), fallback: true };
  }

  private remember(key: number, value: FingerprintResult): void {
    // Two generations: when the young one is full it becomes the old one, and the old one is dropped.
    // Entries read from the old generation are copied forward, so what is in use survives.
    if (this.current.size >= this.maxEntries / 2 || this.chars >= this.maxChars / 2) {
      this.previous = this.current;
      this.current = new Map();
      this.chars = 0;
    }
    this.current.set(key, value);
    this.chars += 64 + value.query.length;
  }

  private cut(text: string): string {
    return text.length > this.maxQueryLength ? text.slice(0, this.maxQueryLength) + '…' : text;
  }
}

/** A Fingerprinter on libpg-query (loaded once per thread). */
export async function loadFingerprinter(opts?: FingerprinterOptions): Promise<Fingerprinter> {
  const { pgParser } = await import('../statement.js');
  return new Fingerprinter(await pgParser(), opts);
}

