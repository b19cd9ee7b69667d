// RESP commands written straight into a Buffer: bytes copied from the input line where they can be (a
// key or value as it appears in the NDJSON), text encoded once where they cannot. Redis counts bytes, so
// no value is ever decoded into a JS string and encoded again on the hot path. Pure.

const CRLF0 = 13;
const CRLF1 = 10;

export class RespWriter {
  private buf: Buffer;
  private at = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.at;
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n + 1024));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  private digits(n: number): void {
    // Small non-negative integers, written without a string.
    if (n < 10) {
      this.buf[this.at++] = 48 + n;
      return;
    }
    const s = String(n);
    for (let i = 0; i < s.length; i++) this.buf[this.at++] = s.charCodeAt(i);
  }

  /** `*<n>\r\n`: the start of a command of n arguments. */
  array(n: number): void {
    this.reserve(24);
    this.buf[this.at++] = 42;
    this.digits(n);
    this.buf[this.at++] = CRLF0;
    this.buf[this.at++] = CRLF1;
  }

  /** A bulk string of bytes copied from `src[start, end)`. */
  bulkBytes(src: Buffer, start: number, end: number): void {
    const len = end - start;
    this.reserve(len + 24);
    this.buf[this.at++] = 36;
    this.digits(len);
    this.buf[this.at++] = CRLF0;
    this.buf[this.at++] = CRLF1;
    if (len < 64) for (let i = start; i < end; i++) this.buf[this.at++] = src[i];
    else this.at += src.copy(this.buf, this.at, start, end);
    this.buf[this.at++] = CRLF0;
    this.buf[this.at++] = CRLF1;
  }

  /** A bulk string of text, encoded as UTF-8. */
  bulk(text: string): void {
    const len = Buffer.byteLength(text);
    this.reserve(len + 24);
    this.buf[this.at++] = 36;
    this.digits(len);
    this.buf[this.at++] = CRLF0;
    this.buf[this.at++] = CRLF1;
    if (len === text.length && len < 64) for (let i = 0; i < len; i++) this.buf[this.at++] = text.charCodeAt(i);
    else this.at += this.buf.write(text, this.at, 'utf8');
    this.buf[this.at++] = CRLF0;
    this.buf[this.at++] = CRLF1;
  }

  /** A bulk string of a non-negative integer. */
  bulkInt(n: number): void {
    const s = String(n);
    this.reserve(s.length + 24);
    this.buf[this.at++] = 36;
    this.digits(s.length);
    this.buf[this.at++] = CRLF0;
    this.buf[this.at++] = CRLF1;
    for (let i = 0; i < s.length; i++) this.buf[this.at++] = s.charCodeAt(i);
    this.buf[this.at++] = CRLF0;
    this.buf[this.at++] = CRLF1;
  }

  /** A bulk string of ASCII bytes prepared once (a command name, a flag). */
  bulkConst(b: Buffer): void {
    this.bulkBytes(b, 0, b.length);
  }

  /** A whole command of text arguments. */
  command(args: readonly string[]): void {
    this.array(args.length);
    for (const a of args) this.bulk(a);
  }

  /** The bytes written so far (a view: the writer must not be reused after). */
  take(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}
