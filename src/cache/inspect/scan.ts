// The keyspace scan of one Redis node: SCAN pages (never KEYS), each page sized by one server-side
// script call (idle/freq first, then TYPE, MEMORY USAGE, PTTL and the length command, per key), with
// the next SCAN already in flight. Falls back to pipelines where scripts are not allowed. Throttles
// itself to keep the server's response time under a target, measured by a PING probe on a second
// connection. Stops at a key limit (samples), on abort, or at the end; reports the cursor to resume.
import type { RedisClient as Redis } from '../../connectors/redis.js';
import type { KeyRecord } from './aggregate.js';
import { keyText } from './namespace.js';
import { startProbe, type ThrottleReport } from './throttle.js';

export type { ThrottleReport };

export type AccessMode = 'idle' | 'freq' | 'none';

export interface ScanOptions {
  node: string;
  match?: string;
  type?: string;
  /** SCAN COUNT to start with. */
  count: number;
  /** MEMORY USAGE SAMPLES (0: every element). */
  samples: number;
  access: AccessMode;
  countElements: boolean;
  /** Resume from this cursor. */
  cursor?: string;
  /** Stop after about this many keys (a sample). */
  limit?: number;
  maxLatencyMs?: number;
  /** A second connection for the latency probe (only with maxLatencyMs). */
  probe?: Redis;
  signal: AbortSignal;
  onRecords(records: KeyRecord[], vanished: number): void;
  onPage?(scanned: number): void;
  /** Sleeps; injected so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
}


export interface ScanOutcome {
  node: string;
  scanned: number;
  /** '0' when the scan reached the end; otherwise where to resume. */
  cursor: string;
  complete: boolean;
  method: 'script' | 'pipeline';
  pages: number;
  throttle?: ThrottleReport;
}

/** Thrown when the node fails mid-scan; carries what was scanned and where to resume. */
export class ScanBroken extends Error {
  constructor(
    readonly outcome: ScanOutcome,
    readonly cause: unknown,
  ) {
    super(`scan of ${outcome.node} stopped at cursor ${outcome.cursor}`);
  }
}

// One call per page. Arguments: samples, count elements (1/0), access mode, then the keys.
// Per key five values: type, bytes, pttl, elements, idle-or-freq (-1: unknown), returned as one string
// ("type,bytes,pttl,elements,seen;…"): one bulk reply decodes far faster than 5 × N array items.
// OBJECT IDLETIME/FREQ comes first: the length commands refresh the key's LRU/LFU clock.
const PAGE_SCRIPT = `#!lua flags=no-writes,allow-cross-slot-keys
local out = {}
local lens = { string = 'STRLEN', hash = 'HLEN', list = 'LLEN', set = 'SCARD', zset = 'ZCARD', stream = 'XLEN' }
local samples, countElements, access = ARGV[1], ARGV[2] == '1', ARGV[3]
for i = 4, #ARGV do
  local k = ARGV[i]
  local seen = -1
  if access == 'idle' then
    local r = redis.pcall('OBJECT', 'IDLETIME', k)
    if type(r) == 'number' then seen = r end
  elseif access == 'freq' then
    local r = redis.pcall('OBJECT', 'FREQ', k)
    if type(r) == 'number' then seen = r end
  end
  local t = redis.call('TYPE', k)['ok']
  if t == 'none' then
    out[#out + 1] = 'none,-1,-2,-1,-1'
  else
    local mem = redis.pcall('MEMORY', 'USAGE', k, 'SAMPLES', samples)
    if type(mem) ~= 'number' then mem = -1 end
    local len = -1
    if countElements and lens[t] then
      local r = redis.pcall(lens[t], k)
      if type(r) == 'number' then len = r end
    end
    out[#out + 1] = t .. ',' .. mem .. ',' .. redis.call('PTTL', k) .. ',' .. len .. ',' .. seen
  end
end
return table.concat(out, ';')`;

export const LENGTH_COMMAND: Record<string, string> = { string: 'STRLEN', hash: 'HLEN', list: 'LLEN', set: 'SCARD', zset: 'ZCARD', stream: 'XLEN' };

type Sizer = (keys: Buffer[]) => Promise<unknown[]>;

type SizeOptions = Pick<ScanOptions, 'samples' | 'access' | 'countElements'>;

function scriptSizer(client: Redis, o: SizeOptions): Sizer {
  const c = client as Redis & { perfkitKeys?: (...args: Array<string | Buffer>) => Promise<string> };
  if (!c.perfkitKeys) client.defineCommand('perfkitKeys', { numberOfKeys: 0, lua: PAGE_SCRIPT, readOnly: true });
  const head = [String(o.samples), o.countElements ? '1' : '0', o.access];
  return async (keys) => {
    const text = await (c.perfkitKeys as (...a: Array<string | Buffer>) => Promise<string>)(...head, ...keys);
    const out: unknown[] = [];
    if (!text) return out;
    for (const item of text.split(';')) {
      const f = item.split(',');
      out.push(f[0], Number(f[1]), Number(f[2]), Number(f[3]), Number(f[4]));
    }
    return out;
  };
}

/** The same five values per key from pipelines: one for access, TYPE, MEMORY USAGE and PTTL; one for lengths. */
function pipelineSizer(client: Redis, o: SizeOptions): Sizer {
  return async (keys) => {
    const p = client.pipeline();
    for (const k of keys) {
      if (o.access !== 'none') p.call('OBJECT', o.access === 'idle' ? 'IDLETIME' : 'FREQ', k);
      p.call('TYPE', k);
      p.call('MEMORY', 'USAGE', k, 'SAMPLES', String(o.samples));
      p.call('PTTL', k);
    }
    const res = (await p.exec()) ?? [];
    const per = o.access !== 'none' ? 4 : 3;
    const val = (i: number) => (res[i]?.[0] ? null : res[i]?.[1]);
    const out: unknown[] = [];
    const lengths = client.pipeline();
    const lengthAt: number[] = [];
    keys.forEach((k, i) => {
      const base = i * per;
      const seen = o.access !== 'none' ? val(base) : -1;
      const off = o.access !== 'none' ? 1 : 0;
      const type = String(val(base + off) ?? 'none');
      const mem = val(base + off + 1);
      const ttl = val(base + off + 2);
      out.push(type, typeof mem === 'number' ? mem : -1, typeof ttl === 'number' ? ttl : -2, -1, typeof seen === 'number' ? seen : -1);
      if (o.countElements && LENGTH_COMMAND[type]) {
        lengths.call(LENGTH_COMMAND[type], k);
        lengthAt.push(i * 5 + 3);
      }
    });
    if (lengthAt.length) {
      const lr = (await lengths.exec()) ?? [];
      lengthAt.forEach((at, j) => {
        const v = lr[j]?.[0] ? null : lr[j]?.[1];
        if (typeof v === 'number') out[at] = v;
      });
    }
    return out;
  };
}

/** Whether the server lets perfkit run its page script (EVAL allowed, Lua shebang flags known: 7.0+). */
async function chooseSizer(client: Redis, o: SizeOptions, prefer: 'script' | 'pipeline' = 'script'): Promise<{ sizer: Sizer; method: 'script' | 'pipeline' }> {
  if (prefer === 'pipeline') return { sizer: pipelineSizer(client, o), method: 'pipeline' };
  const script = scriptSizer(client, o);
  try {
    await script([]);
    return { sizer: script, method: 'script' };
  } catch {
    return { sizer: pipelineSizer(client, o), method: 'pipeline' };
  }
}

export function recordsOf(keys: Buffer[], flat: unknown[], node: string, access: AccessMode): { records: KeyRecord[]; vanished: number } {
  const records: KeyRecord[] = [];
  let vanished = 0;
  for (let i = 0; i < keys.length; i++) {
    const type = String(flat[i * 5]);
    if (type === 'none') {
      vanished++;
      continue;
    }
    const n = (j: number) => Number(flat[i * 5 + j]);
    const mem = n(1);
    const ttl = n(2);
    const len = n(3);
    const seen = n(4);
    if (ttl === -2) {
      vanished++;
      continue;
    }
    records.push({
      key: keyText(keys[i]),
      type,
      bytes: mem >= 0 ? mem : null,
      elements: len >= 0 ? len : null,
      ttlMs: ttl >= 0 ? ttl : null,
      idleSec: access === 'idle' && seen >= 0 ? seen : null,
      freq: access === 'freq' && seen >= 0 ? seen : null,
      node,
      raw: keys[i],
    });
  }
  return { records, vanished };
}

/** Sizes keys the caller already has (one page), by script or by pipelines. */
export async function sizeKeys(client: Redis, keys: Buffer[], o: SizeOptions & { node: string }, prefer?: 'script' | 'pipeline'): Promise<{ records: KeyRecord[]; vanished: number; method: 'script' | 'pipeline' }> {
  const { sizer, method } = await chooseSizer(client, o, prefer);
  return { ...recordsOf(keys, await sizer(keys), o.node, o.access), method };
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function scanNode(client: Redis, o: ScanOptions): Promise<ScanOutcome> {
  const { sizer, method } = await chooseSizer(client, o);
  const sleep = o.sleep ?? defaultSleep;
  let count = o.count;
  let minCount = count;
  let pausedMs = 0;
  let pause = 0;
  let scanned = 0;
  let pages = 0;
  let next = o.cursor ?? '0';
  // Pages in flight, oldest first; the resume cursor is the start of the oldest page not yet counted.
  const inflight: Array<{ from: string; done: Promise<void> }> = [];
  const probe = o.maxLatencyMs !== undefined && o.probe ? startProbe(o.probe) : undefined;
  const outcome = (cursor: string, complete: boolean): ScanOutcome => ({
    node: o.node,
    scanned,
    cursor,
    complete,
    method,
    pages,
    throttle: probe && o.maxLatencyMs !== undefined ? probe.report(o.maxLatencyMs, { startCount: o.count, finalCount: count, minCount, pausedMs }) : undefined,
  });
  let first = true;
  try {
    while (first || next !== '0') {
      first = false;
      if (o.signal.aborted || (o.limit !== undefined && scanned >= o.limit)) break;
      const from = next;
      const args: Array<string | number> = [from];
      if (o.match) args.push('MATCH', o.match);
      args.push('COUNT', count);
      if (o.type) args.push('TYPE', o.type);
      const [cursor, page] = (await client.callBuffer('SCAN', args)) as [Buffer, Buffer[]];
      next = String(cursor);
      pages++;
      if (page.length) {
        const keys = o.limit !== undefined ? page.slice(0, Math.max(0, o.limit - scanned)) : page;
        const done = sizer(keys).then((flat) => {
          const { records, vanished } = recordsOf(keys, flat, o.node, o.access);
          scanned += keys.length;
          o.onRecords(records, vanished);
          o.onPage?.(scanned);
        });
        inflight.push({ from, done });
        // Throttled scans keep one page in flight; otherwise two overlap with the next SCAN.
        while (inflight.length > (probe ? 0 : 1)) await inflight.shift()!.done;
      }
      if (probe && o.maxLatencyMs !== undefined) {
        const worst = probe.takeWindowMax();
        if (worst > o.maxLatencyMs) {
          count = Math.max(10, Math.floor(count / 2));
          minCount = Math.min(minCount, count);
          pause = Math.min(1000, pause ? pause * 2 : 5);
        } else if (worst < o.maxLatencyMs / 2) {
          if (pause) pause = Math.floor(pause / 2);
          else count = Math.min(o.count, Math.ceil(count * 1.25));
        }
        if (pause) {
          pausedMs += pause;
          await sleep(pause);
        }
      }
    }
    while (inflight.length) await inflight.shift()!.done;
    return outcome(next, next === '0');
  } catch (e) {
    const resume = inflight[0]?.from ?? next;
    await Promise.allSettled(inflight.map((p) => p.done));
    throw new ScanBroken(outcome(resume, false), e);
  } finally {
    probe?.stop();
  }
}
