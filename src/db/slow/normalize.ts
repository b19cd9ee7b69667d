// The fallback normalizer of `db slow` (see fingerprint.ts for its rules): one scanner over the statement that
// either writes the normalized text (the display text of a statement libpg-query cannot parse) or hashes the
// same token stream into the fingerprint cache key, without building a string (the hot path).

const DML_WORDS = ['select', 'insert', 'update', 'delete', 'with', 'values', 'merge', 'table'];

const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
const isIdent = (c: number) => isLetter(c) || (c >= 48 && c <= 57) || c === 36;
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isDigit = (c: number) => c >= 48 && c <= 57;

/** Whether the first word (after comments) makes this a statement whose literals are all constants. */
export function isDml(sql: string): boolean {
  let i = 0;
  const n = sql.length;
  for (;;) {
    while (i < n && isSpace(sql.charCodeAt(i))) i++;
    if (sql.startsWith('--', i)) i = sql.indexOf('\n', i) < 0 ? n : sql.indexOf('\n', i);
    else if (sql.startsWith('/*', i)) i = sql.indexOf('*/', i) < 0 ? n : sql.indexOf('*/', i) + 2;
    else break;
  }
  if (sql.charCodeAt(i) === 40) return true; // '(' — a parenthesized SELECT
  let j = i;
  while (j < n && isIdent(sql.charCodeAt(j))) j++;
  next: for (const w of DML_WORDS) {
    if (w.length !== j - i) continue;
    for (let k = 0; k < w.length; k++) if ((sql.charCodeAt(i + k) | 32) !== w.charCodeAt(k)) continue next;
    return true;
  }
  return false;
}

interface Sink {
  copy(sql: string, from: number, to: number): void;
  /** 63 '?' for a literal, 32 ' ' for whitespace or a comment. */
  put(ch: number): void;
}

class TextSink implements Sink {
  out = '';
  copy(sql: string, from: number, to: number): void {
    if (to > from) this.out += sql.slice(from, to);
  }
  put(ch: number): void {
    this.out += ch === 63 ? '?' : ' ';
  }
}

class HashSink implements Sink {
  h1 = 0;
  h2 = 0;
  reset(seed: number): this {
    this.h1 = 0xdeadbeef ^ seed;
    this.h2 = 0x41c6ce57 ^ seed;
    return this;
  }
  copy(sql: string, from: number, to: number): void {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = from; i < to; i++) {
      const ch = sql.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
  }
  put(ch: number): void {
    this.h1 = Math.imul(this.h1 ^ ch, 2654435761);
    this.h2 = Math.imul(this.h2 ^ ch, 1597334677);
  }
  /** 53 bits: exact as a JS number, a cheap Map key. */
  value(): number {
    const h1 = Math.imul(this.h1 ^ (this.h1 >>> 16), 2246822507) ^ Math.imul(this.h2 ^ (this.h2 >>> 13), 3266489909);
    const h2 = Math.imul(this.h2 ^ (this.h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (h1 >>> 0) * 2097152 + (h2 >>> 11);
  }
}

const hashSink = new HashSink();

/** The cache key of a statement: a 53-bit hash of its stripped token stream (DML), or of its text (utility).
 *  Collisions among the ≤ 50 000 cached keys are ~1 in 10^11 per new statement shape. */
export function statementKey(sql: string): number {
  if (!isDml(sql)) return hashSink.reset(1).copy(sql, 0, sql.length), hashSink.value();
  const open = scan(sql, hashSink.reset(0));
  hashSink.put(open ? 73 : 68); // 'I' ran off the end, 'D' complete: never one key for a cut and a whole statement
  return hashSink.value();
}

/** The fallback normalizer's text, prefixed with 'D' (complete) or 'I' (a string, comment or quoted name runs
 *  off the end). */
export function stripLiterals(sql: string): string {
  const sink = new TextSink();
  const open = scan(sql, sink);
  let out = sink.out;
  // Comments next to whitespace leave double spaces behind.
  if (out.includes('  ')) out = out.replace(/ {2,}/g, ' ');
  out = out.trim();
  while (out.endsWith(';')) out = out.slice(0, -1).trimEnd();
  if (out.includes('?,')) out = out.replace(/\( ?\?(?: ?, ?\?)+ ?\)/g, '(?)').replace(/\(\?\)(?: ?, ?\(\?\))+/g, '(?)');
  return (open ? 'I' : 'D') + out;
}

/** One pass: verbatim runs are copied, literals put as '?', whitespace runs and comments as one ' '.
 *  Returns whether a string, comment or quoted name ran off the end. */
function scan(sql: string, sink: Sink): boolean {
  const n = sql.length;
  let from = 0; // start of the verbatim run not yet copied
  let open = false;
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    let rep = 63; // what replaces sql[i, next)
    let next = -1; // -1: nothing to replace; i has been moved on
    if (c === 32 || (c >= 9 && c <= 13)) {
      let j = i + 1;
      while (j < n && isSpace(sql.charCodeAt(j))) j++;
      if (c !== 32 || j > i + 1) (rep = 32), (next = j);
      else i = j;
    } else if (isLetter(c)) {
      let j = i + 1;
      while (j < n && isIdent(sql.charCodeAt(j))) j++;
      const q = sql.charCodeAt(j);
      const word = j - i === 1 ? c | 32 : 0;
      if (q === 39 && (word === 101 || word === 98 || word === 120 || word === 110)) next = skipString(sql, j + 1, word === 101);
      else if (word === 117 && q === 38 && sql.charCodeAt(j + 1) === 39) next = skipString(sql, j + 2, false);
      else i = j;
    } else if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      next = skipNumber(sql, i);
    } else if (c === 39) {
      next = skipString(sql, i + 1, false);
    } else if (c === 36 && isDigit(sql.charCodeAt(i + 1))) {
      next = i + 2;
      while (next < n && isDigit(sql.charCodeAt(next))) next++;
    } else if (c === 36) {
      let j = i + 1;
      while (j < n && isIdent(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 36 && !(j === i + 1 && isDigit(sql.charCodeAt(j)))) j++;
      if (sql.charCodeAt(j) === 36) {
        const tag = sql.slice(i, j + 1);
        const close = sql.indexOf(tag, j + 1);
        next = close < 0 ? n + 1 : close + tag.length;
      } else i = j;
    } else if (c === 34) {
      const e = skipQuoted(sql, i + 1, 34);
      if (e > n) open = true;
      i = Math.min(e, n);
    } else if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const e = sql.indexOf('\n', i);
      (rep = 32), (next = e < 0 ? n : e + 1);
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (sql.charCodeAt(j) === 47 && sql.charCodeAt(j + 1) === 42) (depth++, (j += 2));
        else if (sql.charCodeAt(j) === 42 && sql.charCodeAt(j + 1) === 47) (depth--, (j += 2));
        else j++;
      }
      (rep = 32), (next = depth > 0 ? n + 1 : j);
    } else i++;
    if (next >= 0) {
      if (next > n) (open = true), (next = n);
      sink.copy(sql, from, i);
      sink.put(rep);
      from = i = next;
    }
  }
  sink.copy(sql, from, n);
  return open;
}

/** Index just past the closing quote; n + 1 when the string runs to the end. */
function skipString(sql: string, i: number, backslash: boolean): number {
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (backslash && c === 92) i += 2;
    else if (c === 39) {
      if (sql.charCodeAt(i + 1) === 39) i += 2;
      else return i + 1;
    } else i++;
  }
  return n + 1;
}

function skipQuoted(sql: string, i: number, quote: number): number {
  const n = sql.length;
  while (i < n) {
    if (sql.charCodeAt(i) === quote) {
      if (sql.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return n + 1;
}

function skipNumber(sql: string, i: number): number {
  const n = sql.length;
  const x = sql.charCodeAt(i + 1) | 32;
  if (sql.charCodeAt(i) === 48 && (x === 120 || x === 111 || x === 98)) {
    i += 2;
    while (i < n && isIdent(sql.charCodeAt(i)) && sql.charCodeAt(i) !== 36) i++;
    return i;
  }
  while (i < n && (isDigit(sql.charCodeAt(i)) || sql.charCodeAt(i) === 95)) i++;
  if (sql.charCodeAt(i) === 46 && sql.charCodeAt(i + 1) !== 46) {
    i++;
    while (i < n && (isDigit(sql.charCodeAt(i)) || sql.charCodeAt(i) === 95)) i++;
  }
  if ((sql.charCodeAt(i) | 32) === 101) {
    let j = i + 1;
    if (sql.charCodeAt(j) === 43 || sql.charCodeAt(j) === 45) j++;
    if (isDigit(sql.charCodeAt(j))) {
      i = j;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
    }
  }
  return i;
}

/** 16 hex digits of a 64-bit hash (two 32-bit multiply-xorshift lanes); fast, not cryptographic. */
export function hash64(s: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}
