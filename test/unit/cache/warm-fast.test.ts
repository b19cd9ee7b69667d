// The NDJSON fast path must agree with JSON.parse: the same lines valid, the same spans, and escaped
// strings decoded to the same bytes.
import { describe, expect, it } from 'vitest';
import { Kind, newScan, scanLine, unescapeString } from '../../../src/cache/warm/ndjson-fast.js';

const valid = [
  '{"key":"a","value":"b"}',
  ' { "key" : "a" , "value" : {"x":[1,2.5e3,-0.1,true,false,null,{"y":"z"}]}, "ttl": 60 } ',
  '{"value":[],"key":"k","extra":{"deep":[[[]]]}}',
  '{"key":"k","value":"tab\\there \\"quoted\\" \\\\ \\/ \\u00e9 \\ud83d\\ude00 \\n"}',
  '{}',
  '{"key":"k","value":1,"type":"hash"}',
];
const invalid = ['{"key":"a",}', '{"key":"a" "value":1}', '{"key":01}', '{"key":"a\\x"}', '{"key":"a","value":tru}', '[1]', '{"key":"a"} x', '{"key":"a\u0001"}', '{"key":1.}', '{"key":"\\u12"}'];

describe('scanLine', () => {
  it('accepts exactly what JSON.parse accepts (objects)', () => {
    const scan = newScan();
    for (const l of valid) {
      expect(() => JSON.parse(l), l).not.toThrow();
      const b = Buffer.from(l);
      expect(scanLine(b, 0, b.length, scan), l).toBe(true);
    }
    for (const l of invalid) {
      const b = Buffer.from(l);
      let parses = true;
      try {
        const v = JSON.parse(l);
        parses = typeof v === 'object' && v !== null && !Array.isArray(v);
      } catch {
        parses = false;
      }
      expect(parses, l).toBe(false);
      expect(scanLine(b, 0, b.length, scan), l).toBe(false);
    }
  });

  it('finds the spans of key, value, ttl and type', () => {
    const scan = newScan();
    const l = ' { "key" : "a" , "value" : {"x":[1]}, "ttl": 60 } ';
    const b = Buffer.from(l);
    scanLine(b, 0, b.length, scan);
    expect(b.toString('utf8', scan.key.start, scan.key.end)).toBe('"a"');
    expect(b.toString('utf8', scan.value.start, scan.value.end)).toBe('{"x":[1]}');
    expect(scan.value.kind).toBe(Kind.Object);
    expect(b.toString('utf8', scan.ttl.start, scan.ttl.end)).toBe('60');
    expect(scan.type.kind).toBe(Kind.None);
  });

  it('decodes escaped strings to the bytes JSON.parse gives', () => {
    const scan = newScan();
    for (const s of ['plain', 'tab\there "q" \\ / é 😀 \n', '\ud83d', 'ü\u0000\u001f']) {
      const l = JSON.stringify({ key: 'k', value: s }).replace('é', '\\u00e9');
      const b = Buffer.from(l);
      expect(scanLine(b, 0, b.length, scan)).toBe(true);
      const u = unescapeString(b, scan.value.start, scan.value.end);
      expect(u.buf.toString('utf8', 0, u.len)).toBe(Buffer.from(JSON.parse(l).value, 'utf8').toString('utf8'));
    }
  });
});
