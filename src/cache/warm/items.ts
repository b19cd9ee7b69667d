// Items to warm: validation of one record from any source, TTL with deterministic jitter, and the
// Redis command that writes it under a mode. Pure.
import { parseDuration } from '../../util/units.js';

export const VALUE_TYPES = ['string', 'hash', 'set', 'zset', 'list'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];
export type Mode = 'nx' | 'xx' | 'set';

export interface WarmItem {
  key: string;
  type: ValueType;
  /** string: the value; hash: field, value, …; zset: score, member, …; set/list: members. */
  args: string[];
  /** Milliseconds, jitter applied; undefined: no TTL. */
  ttlMs?: number;
}

export interface ItemDefaults {
  type: ValueType;
  ttlMs?: number;
  /** ± this share of the TTL, 0–1. */
  jitter: number;
}

/** A record as read: NDJSON object, CSV row or SQL row. */
export interface RawRecord {
  key?: unknown;
  value?: unknown;
  ttl?: unknown;
  type?: unknown;
}

const scalar = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/** Validates a record; returns the item or the reason it cannot be written. */
export function toItem(r: RawRecord, d: ItemDefaults): WarmItem | { error: string } {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return { error: 'not an object with "key" and "value"' };
  if (typeof r.key !== 'string' && typeof r.key !== 'number') return { error: '"key" is missing or not a string' };
  const key = String(r.key);
  if (key === '') return { error: '"key" is empty' };
  if (r.value === undefined || r.value === null) return { error: `"value" is missing for key ${key}` };
  const type = (r.type ?? d.type) as ValueType;
  if (!VALUE_TYPES.includes(type)) return { error: `"type" ${JSON.stringify(r.type)} is not one of ${VALUE_TYPES.join(', ')}` };
  let ttlMs = d.ttlMs;
  if (r.ttl !== undefined && r.ttl !== null && r.ttl !== '') {
    // A bare number is seconds, as in SET … EX; a string may carry a unit ("10m").
    const ms = typeof r.ttl === 'number' ? r.ttl * 1000 : /^\d+(\.\d+)?$/.test(String(r.ttl).trim()) ? Number(r.ttl) * 1000 : parseDuration(String(r.ttl));
    if (ms === undefined || !(ms > 0)) return { error: `"ttl" ${JSON.stringify(r.ttl)} is not a positive number of seconds or a duration like "10m"` };
    ttlMs = ms;
  }
  const args = valueArgs(type, r.value);
  if ('error' in args) return { error: `${args.error} (key ${key})` };
  return { key, type, args: args.args, ttlMs: ttlMs === undefined ? undefined : jittered(key, ttlMs, d.jitter) };
}

function valueArgs(type: ValueType, v: unknown): { args: string[] } | { error: string } {
  switch (type) {
    case 'string':
      return { args: [scalar(v)] };
    case 'hash': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'a hash value must be an object of fields' };
      const args = Object.entries(v).flatMap(([f, x]) => [f, scalar(x)]);
      return args.length ? { args } : { error: 'an empty hash cannot be stored' };
    }
    case 'set':
    case 'list': {
      if (!Array.isArray(v)) return { error: `a ${type} value must be an array` };
      return v.length ? { args: v.map(scalar) } : { error: `an empty ${type} cannot be stored` };
    }
    case 'zset': {
      // {member: score}, [[member, score], …] or [{member, score}, …]
      const pairs: Array<[unknown, unknown]> = Array.isArray(v)
        ? v.map((e) => (Array.isArray(e) ? [e[0], e[1]] : typeof e === 'object' && e !== null ? [(e as { member?: unknown }).member, (e as { score?: unknown }).score] : [e, undefined]))
        : typeof v === 'object' && v !== null
          ? Object.entries(v)
          : [];
      if (!pairs.length) return { error: 'a zset value must be {member: score}, [[member, score], …] or [{member, score}, …]' };
      const args: string[] = [];
      for (const [m, s] of pairs) {
        const score = Number(s);
        if (m === undefined || s === undefined || s === null || s === '' || !Number.isFinite(score)) return { error: `zset member ${JSON.stringify(m)} has no numeric score` };
        args.push(String(score), scalar(m));
      }
      return { args };
    }
  }
}

/** FNV-1a of the key's UTF-8 bytes → [0, 1): the same key always gets the same jitter, on the fast and
 *  the general path alike, so a resumed run agrees. */
export function unitHashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= b[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}

export function unitHash(key: string): number {
  const b = Buffer.from(key, 'utf8');
  return unitHashBytes(b, 0, b.length);
}

export function jittered(key: string, ttlMs: number, jitter: number): number {
  if (!jitter) return Math.round(ttlMs);
  return Math.max(1, Math.round(ttlMs * (1 + jitter * (2 * unitHash(key) - 1))));
}

export function jitteredBytes(b: Uint8Array, start: number, end: number, ttlMs: number, jitter: number): number {
  return Math.max(1, Math.round(ttlMs * (1 + jitter * (2 * unitHashBytes(b, start, end) - 1))));
}

/** The commands that write one item, and how many replies they produce (always 1). */
export function writeArgs(item: WarmItem, mode: Mode, scriptSha: string): string[] {
  if (item.type === 'string') {
    const a = ['SET', item.key, item.args[0]];
    if (mode !== 'set') a.push(mode.toUpperCase());
    if (item.ttlMs !== undefined) a.push('PX', String(item.ttlMs));
    return a;
  }
  return ['EVALSHA', scriptSha, '1', item.key, item.type, mode, String(item.ttlMs ?? 0), ...item.args];
}

/** Collections are written by one script call: the mode check, DEL, the write in chunks, the TTL, atomically. */
export const WRITE_SCRIPT = `local k, t, mode, ttl = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local exists = redis.call('EXISTS', k) == 1
if mode == 'nx' and exists then return 0 end
if mode == 'xx' and not exists then return 0 end
if exists then redis.call('DEL', k) end
local cmd = ({ hash = 'HSET', set = 'SADD', zset = 'ZADD', list = 'RPUSH' })[t]
local step = 1000
for i = 4, #ARGV, step do
  redis.call(cmd, k, unpack(ARGV, i, math.min(i + step - 1, #ARGV)))
end
if ttl > 0 then redis.call('PEXPIRE', k, ttl) end
return 1`;

/** Reply → outcome: SET answers OK or nil; the script answers 1 or 0. */
export function outcomeOf(reply: unknown): 'written' | 'skipped' | 'failed' {
  if (reply === 'OK' || reply === 1) return 'written';
  if (reply === null || reply === 0) return 'skipped';
  return 'failed';
}
