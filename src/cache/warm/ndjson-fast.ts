// The fast path for NDJSON string items: one validating pass over the line's bytes finds the spans of
// "key", "value", "ttl" and "type", so a value is copied from the input to the RESP output as bytes —
// no JSON.parse, no JSON.stringify, no UTF-8 decoding and re-encoding. Whatever the scanner does not
// fully understand (escaped keys, a "type", a ttl given as a string, a line that is not valid JSON)
// goes to the general path, which parses and reports errors. Pure.
import { jitteredBytes, type ItemDefaults } from './items.js';
import type { RespWriter } from './resp-writer.js';

export const enum Kind {
  None = 0,
  String = 1,
  Object = 2,
  Array = 3,
  Number = 4,
  Literal = 5,
  Null = 6,
}

export interface Span {
  start: number;
  end: number;
  kind: Kind;
  /** Strings: whether there are escapes (then the bytes inside the quotes are not the value). */
  escaped: boolean;
}

export interface LineScan {
  key: Span;
  value: Span;
  ttl: Span;
  type: Span;
}

export const newScan = (): LineScan => ({
  key: { start: 0, end: 0, kind: Kind.None, escaped: false },
  value: { start: 0, end: 0, kind: Kind.None, escaped: false },
  ttl: { start: 0, end: 0, kind: Kind.None, escaped: false },
  type: { start: 0, end: 0, kind: Kind.None, escaped: false },
});

const isWs = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;

let pos = 0;
let escaped = false;

/** Scans a JSON string starting at the quote b[i]; sets pos after the closing quote. false: invalid. */
function str(b: Buffer, i: number, end: number): boolean {
  escaped = false;
  i++;
  while (i < end) {
    const c = b[i];
    if (c === 34) {
      pos = i + 1;
      return true;
    }
    if (c === 92) {
      escaped = true;
      const n = b[i + 1];
      if (n === 117) {
        for (let k = 2; k < 6; k++) {
          const h = b[i + k];
          if (!((h >= 48 && h <= 57) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102))) return false;
        }
        i += 6;
        continue;
      }
      if (n !== 34 && n !== 92 && n !== 47 && n !== 98 && n !== 102 && n !== 110 && n !== 114 && n !== 116) return false;
      i += 2;
      continue;
    }
    if (c < 32) return false;
    i++;
  }
  return false;
}

function num(b: Buffer, i: number, end: number): boolean {
  if (b[i] === 45) i++;
  if (b[i] === 48) i++;
  else if (b[i] >= 49 && b[i] <= 57) while (i < end && b[i] >= 48 && b[i] <= 57) i++;
  else return false;
  if (b[i] === 46) {
    i++;
    if (!(b[i] >= 48 && b[i] <= 57)) return false;
    while (i < end && b[i] >= 48 && b[i] <= 57) i++;
  }
  if (b[i] === 101 || b[i] === 69) {
    i++;
    if (b[i] === 43 || b[i] === 45) i++;
    if (!(b[i] >= 48 && b[i] <= 57)) return false;
    while (i < end && b[i] >= 48 && b[i] <= 57) i++;
  }
  pos = i;
  return true;
}

function lit(b: Buffer, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  pos = i + word.length;
  return true;
}

function ws(b: Buffer, i: number, end: number): number {
  while (i < end && isWs(b[i])) i++;
  return i;
}

/** Any JSON value at b[i] (after whitespace); sets pos after it. */
function value(b: Buffer, i: number, end: number, depth: number): Kind {
  const c = b[i];
  if (c === 34) return str(b, i, end) ? Kind.String : Kind.None;
  if (c === 123 || c === 91) {
    if (depth > 64) return Kind.None;
    const close = c === 123 ? 125 : 93;
    i = ws(b, i + 1, end);
    if (b[i] === close) {
      pos = i + 1;
      return c === 123 ? Kind.Object : Kind.Array;
    }
    for (;;) {
      if (c === 123) {
        if (b[i] !== 34 || !str(b, i, end)) return Kind.None;
        i = ws(b, pos, end);
        if (b[i] !== 58) return Kind.None;
        i = ws(b, i + 1, end);
      }
      if (value(b, i, end, depth + 1) === Kind.None) return Kind.None;
      i = ws(b, pos, end);
      if (b[i] === 44) {
        i = ws(b, i + 1, end);
        continue;
      }
      if (b[i] === close) {
        pos = i + 1;
        return c === 123 ? Kind.Object : Kind.Array;
      }
      return Kind.None;
    }
  }
  if (c === 45 || (c >= 48 && c <= 57)) return num(b, i, end) ? Kind.Number : Kind.None;
  if (c === 116) return lit(b, i, 'true') ? Kind.Literal : Kind.None;
  if (c === 102) return lit(b, i, 'false') ? Kind.Literal : Kind.None;
  if (c === 110) return lit(b, i, 'null') ? Kind.Null : Kind.None;
  return Kind.None;
}

/** The member name at [s, e) (inside the quotes) → which field, or -1. */
function field(b: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n === 3 && b[s] === 107 && b[s + 1] === 101 && b[s + 2] === 121) return 0; // key
  if (n === 5 && b[s] === 118 && b[s + 1] === 97 && b[s + 2] === 108 && b[s + 3] === 117 && b[s + 4] === 101) return 1; // value
  if (n === 3 && b[s] === 116 && b[s + 1] === 116 && b[s + 2] === 108) return 2; // ttl
  if (n === 4 && b[s] === 116 && b[s + 1] === 121 && b[s + 2] === 112 && b[s + 3] === 101) return 3; // type
  return -1;
}

/** Scans one line [start, end) that should be a JSON object. true: valid JSON, spans filled (fields that
 *  are absent have kind None). false: not valid JSON (the general path reports why). */
export function scanLine(b: Buffer, start: number, end: number, out: LineScan): boolean {
  out.key.kind = out.value.kind = out.ttl.kind = out.type.kind = Kind.None;
  let i = ws(b, start, end);
  if (b[i] !== 123) return false;
  i = ws(b, i + 1, end);
  if (b[i] === 125) return ws(b, i + 1, end) === end;
  for (;;) {
    if (b[i] !== 34 || !str(b, i, end)) return false;
    const f = escaped ? -1 : field(b, i + 1, pos - 1);
    i = ws(b, pos, end);
    if (b[i] !== 58) return false;
    i = ws(b, i + 1, end);
    const vs = i;
    const kind = value(b, i, end, 1);
    if (kind === Kind.None) return false;
    if (f >= 0) {
      const span = f === 0 ? out.key : f === 1 ? out.value : f === 2 ? out.ttl : out.type;
      span.start = vs;
      span.end = pos;
      span.kind = kind;
      span.escaped = kind === Kind.String && escaped;
    }
    i = ws(b, pos, end);
    if (b[i] === 44) {
      i = ws(b, i + 1, end);
      continue;
    }
    if (b[i] === 125) return ws(b, i + 1, end) === end;
    return false;
  }
}

/** A ttl given as a plain JSON number of seconds → ms; undefined when it is not a positive number. */
export function ttlSeconds(b: Buffer, s: Span): number | undefined {
  const n = Number(b.toString('latin1', s.start, s.end));
  return n > 0 && Number.isFinite(n) ? n * 1000 : undefined;
}

let scratch = Buffer.allocUnsafe(64 * 1024);

/** The bytes a JSON string (quotes included, at [start, end), already validated by scanLine) stands for,
 *  decoded into a reused scratch buffer: escapes resolved, \uXXXX (and surrogate pairs) as UTF-8.
 *  Valid until the next call. */
export function unescapeString(b: Buffer, start: number, end: number): { buf: Buffer; len: number } {
  if (scratch.length < end - start) scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, end - start));
  const out = scratch;
  let o = 0;
  const hex = (i: number) => parseInt(b.toString('latin1', i, i + 4), 16);
  for (let i = start + 1; i < end - 1; i++) {
    const c = b[i];
    if (c !== 92) {
      out[o++] = c;
      continue;
    }
    const n = b[++i];
    switch (n) {
      case 110: out[o++] = 10; break; // \n
      case 116: out[o++] = 9; break; // \t
      case 114: out[o++] = 13; break; // \r
      case 98: out[o++] = 8; break; // \b
      case 102: out[o++] = 12; break; // \f
      case 117: {
        let cp = hex(i + 1);
        i += 4;
        // A high surrogate followed by \uDC00–\uDFFF is one code point.
        if (cp >= 0xd800 && cp <= 0xdbff && b[i + 1] === 92 && b[i + 2] === 117) {
          const lo = hex(i + 3);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
          }
        }
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate, as JSON.parse + UTF-8 would write it
        if (cp < 0x80) out[o++] = cp;
        else if (cp < 0x800) {
          out[o++] = 0xc0 | (cp >> 6);
          out[o++] = 0x80 | (cp & 63);
        } else if (cp < 0x10000) {
          out[o++] = 0xe0 | (cp >> 12);
          out[o++] = 0x80 | ((cp >> 6) & 63);
          out[o++] = 0x80 | (cp & 63);
        } else {
          out[o++] = 0xf0 | (cp >> 18);
          out[o++] = 0x80 | ((cp >> 12) & 63);
          out[o++] = 0x80 | ((cp >> 6) & 63);
          out[o++] = 0x80 | (cp & 63);
        }
        break;
      }
      default:
        out[o++] = n; // \" \\ \/
    }
  }
  return { buf: out, len: o };
}

/** A string item found by the fast path: key bytes in the line, value bytes in the line or (escaped
 *  strings) in the scratch buffer — valid until the next line is decoded. */
export interface FastString {
  line: Buffer;
  keyStart: number;
  keyEnd: number;
  value: Buffer;
  valueStart: number;
  valueEnd: number;
  ttlMs?: number;
}

/** The line as a string item, or undefined when the general path must take it. */
export function fastString(b: Buffer, s: number, e: number, scan: LineScan, d: ItemDefaults): FastString | undefined {
  if (d.type !== 'string' || !scanLine(b, s, e, scan)) return undefined;
  const k = scan.key;
  const v = scan.value;
  if (k.kind !== Kind.String || k.escaped || k.end - k.start <= 2 || scan.type.kind !== Kind.None) return undefined;
  if (!(v.kind === Kind.Object || v.kind === Kind.Array || v.kind === Kind.Literal || v.kind === Kind.String)) return undefined;
  let ttlMs = d.ttlMs;
  if (scan.ttl.kind === Kind.Number) {
    ttlMs = ttlSeconds(b, scan.ttl);
    if (ttlMs === undefined) return undefined;
  } else if (scan.ttl.kind !== Kind.None) return undefined;
  const keyStart = k.start + 1;
  const keyEnd = k.end - 1;
  if (ttlMs !== undefined) ttlMs = d.jitter ? jitteredBytes(b, keyStart, keyEnd, ttlMs, d.jitter) : Math.round(ttlMs);
  if (v.kind === Kind.String && v.escaped) {
    const u = unescapeString(b, v.start, v.end);
    return { line: b, keyStart, keyEnd, value: u.buf, valueStart: 0, valueEnd: u.len, ttlMs };
  }
  const strip = v.kind === Kind.String ? 1 : 0;
  return { line: b, keyStart, keyEnd, value: b, valueStart: v.start + strip, valueEnd: v.end - strip, ttlMs };
}

const SET = Buffer.from('SET');
const PX = Buffer.from('PX');

/** SET key value [NX|XX] [PX ttl], bytes copied from the line. */
export function writeSet(wr: RespWriter, f: FastString, modeArg: Buffer | undefined): void {
  wr.array(3 + (modeArg ? 1 : 0) + (f.ttlMs !== undefined ? 2 : 0));
  wr.bulkConst(SET);
  wr.bulkBytes(f.line, f.keyStart, f.keyEnd);
  wr.bulkBytes(f.value, f.valueStart, f.valueEnd);
  if (modeArg) wr.bulkConst(modeArg);
  if (f.ttlMs !== undefined) {
    wr.bulkConst(PX);
    wr.bulkInt(f.ttlMs);
  }
}
