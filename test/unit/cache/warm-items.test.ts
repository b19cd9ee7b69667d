// cache warm's pure parts: record validation, TTL jitter, the write commands per mode, read-back
// comparison, and the RESP encoder and reply parser of the raw pipe.
import { describe, expect, it } from 'vitest';
import { jittered, outcomeOf, toItem, unitHash, writeArgs } from '../../../src/cache/warm/items.js';
import { compare } from '../../../src/cache/warm/verify.js';
import { encodeCommand, ReplyError, ReplyParser, type Reply } from '../../../src/connectors/redis-pipe.js';
import { RespWriter } from '../../../src/cache/warm/resp-writer.js';
import { fileFormatOf } from '../../../src/cache/warm/sources.js';

const d = { type: 'string' as const, jitter: 0 };

describe('toItem', () => {
  it('takes strings, serializes objects as JSON, and reads ttl as seconds or a duration', () => {
    expect(toItem({ key: 'a', value: 'v' }, d)).toEqual({ key: 'a', type: 'string', args: ['v'], ttlMs: undefined });
    expect(toItem({ key: 7, value: { x: 1 }, ttl: 60 }, d)).toEqual({ key: '7', type: 'string', args: ['{"x":1}'], ttlMs: 60_000 });
    expect(toItem({ key: 'a', value: 1, ttl: '10m' }, d)).toMatchObject({ ttlMs: 600_000 });
    expect(toItem({ key: 'a', value: 1, ttl: '90' }, d)).toMatchObject({ ttlMs: 90_000 });
    expect(toItem({ key: 'a', value: 1 }, { ...d, ttlMs: 5000 })).toMatchObject({ ttlMs: 5000 });
  });

  it('encodes collections', () => {
    expect(toItem({ key: 'h', value: { a: 1, b: { c: 2 } }, type: 'hash' }, d)).toMatchObject({ args: ['a', '1', 'b', '{"c":2}'] });
    expect(toItem({ key: 'z', value: { m: 2 }, type: 'zset' }, d)).toMatchObject({ args: ['2', 'm'] });
    expect(toItem({ key: 'z', value: [['m', 1.5], { member: 'n', score: '3' }], type: 'zset' }, d)).toMatchObject({ args: ['1.5', 'm', '3', 'n'] });
    expect(toItem({ key: 's', value: [1, 'x'], type: 'set' }, d)).toMatchObject({ args: ['1', 'x'] });
    expect(toItem({ key: 'l', value: ['x'] }, { ...d, type: 'list' })).toMatchObject({ type: 'list', args: ['x'] });
  });

  it('says why a record cannot be written', () => {
    const why = (r: Record<string, unknown>) => (toItem(r, d) as { error: string }).error;
    expect(why({ value: 1 })).toMatch(/"key" is missing/);
    expect(why({ key: '', value: 1 })).toMatch(/"key" is empty/);
    expect(why({ key: 'a' })).toMatch(/"value" is missing/);
    expect(why({ key: 'a', value: 1, type: 'json' })).toMatch(/"type" "json" is not one of/);
    expect(why({ key: 'a', value: 1, ttl: 0 })).toMatch(/"ttl" 0 is not a positive/);
    expect(why({ key: 'a', value: [], type: 'set' })).toMatch(/an empty set cannot be stored/);
    expect(why({ key: 'a', value: 'x', type: 'hash' })).toMatch(/a hash value must be an object/);
    expect(why({ key: 'a', value: { m: 'high' }, type: 'zset' })).toMatch(/no numeric score/);
    expect((toItem([] as never, d) as { error: string }).error).toMatch(/not an object/);
  });
});

describe('TTL jitter', () => {
  it('is deterministic per key and stays within ± the share', () => {
    expect(jittered('k', 1000, 0)).toBe(1000);
    expect(jittered('k', 100_000, 0.1)).toBe(jittered('k', 100_000, 0.1));
    const ttls = Array.from({ length: 2000 }, (_, i) => jittered(`key:${i}`, 100_000, 0.1));
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(90_000);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(110_000);
    expect(new Set(ttls).size).toBeGreaterThan(1500);
    const h = Array.from({ length: 1000 }, (_, i) => unitHash(`x${i}`));
    expect(h.filter((x) => x < 0.5).length).toBeGreaterThan(400);
  });
});

describe('write commands', () => {
  it('uses SET with NX/XX and PX for strings, the script for collections', () => {
    const s = toItem({ key: 'a', value: 'v', ttl: 2 }, d) as never;
    expect(writeArgs(s, 'nx', 'sha')).toEqual(['SET', 'a', 'v', 'NX', 'PX', '2000']);
    expect(writeArgs(s, 'set', 'sha')).toEqual(['SET', 'a', 'v', 'PX', '2000']);
    const h = toItem({ key: 'h', value: { f: 1 }, type: 'hash' }, d) as never;
    expect(writeArgs(h, 'xx', 'sha')).toEqual(['EVALSHA', 'sha', '1', 'h', 'hash', 'xx', '0', 'f', '1']);
    expect([outcomeOf('OK'), outcomeOf(1), outcomeOf(null), outcomeOf(0), outcomeOf(new ReplyError('ERR'))]).toEqual(['written', 'written', 'skipped', 'skipped', 'failed']);
  });

  it('compares what was read back with the item, TTL included', () => {
    const z = toItem({ key: 'z', value: { a: 1, b: 2 }, type: 'zset', ttl: 10 }, d) as never;
    expect(compare(z, ['a', '1', 'b', '2'], 9000)).toBeUndefined();
    expect(compare(z, ['a', '1', 'b', '3'], 9000)).toBe('value differs');
    expect(compare(z, ['a', '1', 'b', '2'], -1)).toMatch(/no TTL/);
    const s = toItem({ key: 's', value: 'v' }, d) as never;
    expect(compare(s, null, -2)).toBe('missing');
    expect(compare(s, 'v', 500)).toMatch(/has a TTL/);
  });
});

describe('RESP', () => {
  it('encodes commands as text and as buffers, counting UTF-8 bytes', () => {
    const w = new RespWriter(8);
    w.command(['SET', 'ключ', 'v']);
    w.array(2);
    w.bulkBytes(Buffer.from('xxGETxx'), 2, 5);
    w.bulkInt(1234567);
    expect(w.take().toString('utf8')).toBe('*3\r\n$3\r\nSET\r\n$8\r\nключ\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$7\r\n1234567\r\n');
    expect(encodeCommand(['GET', Buffer.from([0xff])]).toString('latin1')).toBe('*2\r\n$3\r\nGET\r\n$1\r\n\xff\r\n');
  });

  it('parses replies split anywhere across chunks', () => {
    const wire = Buffer.from('+OK\r\n$-1\r\n:42\r\n-ERR bad\r\n$5\r\nhello\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n');
    for (let cut = 1; cut < wire.length; cut++) {
      const p = new ReplyParser();
      const out: Reply[] = [];
      p.feed(wire.subarray(0, cut), out);
      p.feed(wire.subarray(cut), out);
      expect(out.length, `cut at ${cut}`).toBe(6);
      expect(out[0]).toBe('OK');
      expect(out[1]).toBeNull();
      expect(out[2]).toBe(42);
      expect(out[3]).toBeInstanceOf(ReplyError);
      expect(out[4]).toBe('hello');
      expect(out[5]).toEqual(['a', [1]]);
    }
  });
});

describe('source formats', () => {
  it('tells NDJSON and CSV from the name', () => {
    expect(['a.ndjson', 'a.jsonl', 'a.ndjson.gz', 'a.csv', 'A.CSV.GZ', 'urls.txt', 'sitemap.xml'].map(fileFormatOf)).toEqual(['ndjson', 'ndjson', 'ndjson', 'csv', 'csv', undefined, undefined]);
  });
});
