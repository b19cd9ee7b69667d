// --verify: the sampled items read back from Redis and compared with what was written, value and TTL.
import { encodeCommand, type Reply } from '../../connectors/redis-pipe.js';
import type { WarmItem } from './items.js';
import type { Node } from './redis-nodes.js';

export interface VerifyResult {
  sampled: number;
  checked: number;
  ok: number;
  mismatches: Array<{ key: string; why: string }>;
}

/** Reads the sampled items back and compares value and TTL. */
export async function verifySample(sample: WarmItem[], nodeOf: (key: string) => Node, sampled: number): Promise<VerifyResult> {
  const mismatches: Array<{ key: string; why: string }> = [];
  const byNode = new Map<Node, WarmItem[]>();
  for (const it of sample) {
    const n = nodeOf(it.key);
    const list = byNode.get(n);
    if (list) list.push(it);
    else byNode.set(n, [it]);
  }
  for (const [node, its] of byNode) {
    if (!node.pipe) continue;
    const read: Record<string, string[]> = { string: ['GET'], hash: ['HGETALL'], set: ['SMEMBERS'], zset: ['ZRANGE', '0', '-1', 'WITHSCORES'], list: ['LRANGE', '0', '-1'] };
    const payload = Buffer.concat(its.flatMap((it) => [encodeCommand([read[it.type][0], it.key, ...read[it.type].slice(1)]), encodeCommand(['PTTL', it.key])]));
    const replies = await node.pipe.send(payload, its.length * 2);
    its.forEach((it, i) => {
      const why = compare(it, replies[i * 2], replies[i * 2 + 1]);
      if (why) mismatches.push({ key: it.key, why });
    });
  }
  return { sampled, checked: sample.length, ok: sample.length - mismatches.length, mismatches: mismatches.slice(0, 20) };
}

export function compare(it: WarmItem, value: Reply, pttl: Reply): string | undefined {
  const arr = Array.isArray(value) ? (value as unknown[]).map(String) : [];
  const pairs = (a: string[], keyFirst: boolean) => {
    const m = new Map<string, string>();
    for (let i = 0; i + 1 < a.length; i += 2) keyFirst ? m.set(a[i], a[i + 1]) : m.set(a[i + 1], a[i]);
    return m;
  };
  const sameMap = (a: Map<string, string>, b: Map<string, string>, num = false) => a.size === b.size && [...a].every(([k, v]) => b.has(k) && (num ? Number(b.get(k)) === Number(v) : b.get(k) === v));
  let ok: boolean;
  switch (it.type) {
    case 'string':
      ok = value === it.args[0];
      break;
    case 'hash':
      ok = sameMap(pairs(it.args, true), pairs(arr, true));
      break;
    case 'zset':
      ok = sameMap(pairs(it.args, false), pairs(arr, true), true);
      break;
    case 'set':
      ok = [...new Set(it.args)].sort().join('\u0000') === [...arr].sort().join('\u0000');
      break;
    case 'list':
      ok = arr.length === it.args.length && arr.every((v, i) => v === it.args[i]);
      break;
  }
  if (!ok) return value === null ? 'missing' : 'value differs';
  const t = Number(pttl);
  if (it.ttlMs === undefined && t !== -1) return `has a TTL (${t} ms) but none was asked for`;
  if (it.ttlMs !== undefined && !(t > 0 && t <= it.ttlMs)) return t === -1 ? `no TTL (expected ${it.ttlMs} ms)` : `TTL ${t} ms, expected at most ${it.ttlMs} ms`;
  return undefined;
}
