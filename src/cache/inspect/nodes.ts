// The servers a scan covers and how: cluster masters from CLUSTER NODES, the --cursor per node, and
// whether element counts may be taken without disturbing LRU/LFU eviction (CLIENT NO-TOUCH).
import { usageError } from '../../cli/errors.js';
import type { RedisClient as Redis, RedisTarget } from '../../connectors/redis.js';
import type { KeyspaceAggregate } from './aggregate.js';
import { LENGTH_COMMAND, type ScanOutcome } from './scan.js';

export interface Node {
  name: string;
  client: Redis;
  target: RedisTarget;
}

/** `--cursor 1234` (one server) or `--cursor host:port=1234,host:port=0` (cluster). */
export function parseCursors(v: string | undefined, cluster: boolean): Map<string, string> | undefined {
  if (v === undefined) return undefined;
  const fix = cluster ? 'write --cursor host:port=<cursor>,… as perfkit printed it' : 'write --cursor <number> as perfkit printed it';
  if (/^\d+$/.test(v)) return new Map([['*', v]]);
  const map = new Map<string, string>();
  for (const part of v.split(',')) {
    const m = /^(.+:\d+)=(\d+)$/.exec(part.trim());
    if (!m) throw usageError(`--cursor '${v}': not a SCAN cursor`, fix);
    map.set(m[1], m[2]);
  }
  return map;
}

export function cursorFlag(scans: ScanOutcome[], cluster: boolean): string {
  if (!cluster) return scans[0]?.cursor ?? '0';
  return scans.map((s) => `${s.node}=${s.cursor}`).join(',');
}

/** Masters that serve slots, from CLUSTER NODES (`<id> <ip:port@cport[,host]> <flags> … <slots>`). */
export function clusterMastersOf(text: string): Array<{ host: string; port: number }> {
  const out: Array<{ host: string; port: number }> = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    if (f.length < 8) continue;
    const flags = f[2].split(',');
    if (!flags.includes('master') || flags.some((x) => x === 'fail' || x === 'noaddr' || x === 'handshake')) continue;
    if (f.length < 9) continue; // no slots: holds no keys
    const addr = /^(.*):(\d+)@/.exec(f[1]);
    if (!addr) continue;
    out.push({ host: addr[1].replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: Number(addr[2]) });
  }
  return out.sort((a, b) => a.host.localeCompare(b.host) || a.port - b.port);
}

/** Whether to count elements of every key: only where doing so cannot disturb eviction. */
export async function chooseElements(flag: string, nodes: Node[], policy: string): Promise<'all' | 'top' | 'none'> {
  if (flag === 'all' || flag === 'none' || flag === 'top') {
    if (flag === 'all') await Promise.all(nodes.map((n) => noTouch(n.client)));
    return flag;
  }
  const touchless = (await Promise.all(nodes.map((n) => noTouch(n.client)))).every(Boolean);
  if (touchless) return 'all';
  return /lru|lfu/.test(policy) ? 'top' : 'all';
}

const noTouchState = new WeakMap<Redis, boolean>();
/** CLIENT NO-TOUCH ON (Redis 7.2+): this connection's reads no longer refresh LRU/LFU clocks. */
async function noTouch(client: Redis): Promise<boolean> {
  const ok = await client.call('CLIENT', 'NO-TOUCH', 'ON').then(() => true, () => false);
  noTouchState.set(client, ok);
  return ok;
}
export async function noTouchKnown(nodes: Node[]): Promise<boolean> {
  return nodes.every((n) => noTouchState.get(n.client));
}

/** Counts elements of the biggest keys only (touching N keys rather than all). */
export async function countTopElements(agg: KeyspaceAggregate, nodes: Node[]): Promise<void> {
  const top = agg.biggestRaw();
  for (const n of nodes) {
    const mine = top.filter((k) => k.node === n.name && LENGTH_COMMAND[k.type]);
    if (!mine.length) continue;
    const p = n.client.pipeline();
    for (const k of mine) p.call(LENGTH_COMMAND[k.type], k.raw);
    const res = (await p.exec()) ?? [];
    mine.forEach((k, i) => {
      const v = res[i]?.[0] ? null : res[i]?.[1];
      if (typeof v === 'number') agg.setElements(k.key, v);
    });
  }
}
