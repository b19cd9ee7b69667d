// The Redis side of warming: a raw pipe per node with the write script loaded, and for a cluster the
// masters and the slot → master map from CLUSTER SLOTS.
import { runtimeError, usageError } from '../../cli/errors.js';
import { closeRedis, connectRedis, describeRedisError, nodeTarget, type RedisTarget } from '../../connectors/redis.js';
import { encodeCommand, openRedisPipe, type RedisPipe } from '../../connectors/redis-pipe.js';
import { WRITE_SCRIPT } from './items.js';

export interface Node {
  name: string;
  target: RedisTarget;
  pipe?: RedisPipe;
  sha?: string;
  connecting?: Promise<void>;
}

export interface NodeOptions {
  target: RedisTarget;
  connectTimeoutMs: number;
}

export async function connectNode(n: Node, o: NodeOptions): Promise<void> {
  const pipe = await openRedisPipe(n.target, { connectTimeoutMs: o.connectTimeoutMs });
  const [sha] = await pipe.send(encodeCommand(['SCRIPT', 'LOAD', WRITE_SCRIPT]), 1);
  n.sha = typeof sha === 'string' ? sha : undefined;
  n.pipe = pipe;
}

/** Masters and the slot → master map from CLUSTER SLOTS. */
export async function clusterSlots(o: NodeOptions): Promise<{ nodes: Node[]; slotNode: Int16Array }> {
  const client = await connectRedis(o.target, { connectTimeoutMs: o.connectTimeoutMs });
  try {
    const info = String(await client.info('cluster').catch((e: unknown) => Promise.reject(describeRedisError(e, o.target))));
    if (!/cluster_enabled:1/.test(info)) throw usageError(`--cluster: ${o.target.display} is not a Redis Cluster node (cluster_enabled:0)`, 'drop --cluster for a single server');
    const slots = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
    const nodes: Node[] = [];
    const slotNode = new Int16Array(16384).fill(-1);
    for (const [lo, hi, [host, port]] of slots) {
      const name = `${host || o.target.host}:${port}`;
      let idx = nodes.findIndex((n) => n.name === name);
      if (idx < 0) {
        idx = nodes.push({ name, target: nodeTarget(o.target, host || o.target.host, Number(port)) }) - 1;
      }
      slotNode.fill(idx, lo, hi + 1);
    }
    if (slotNode.includes(-1)) throw runtimeError(`${o.target.display}: the cluster does not cover all 16384 slots`, 'fix the cluster first: redis-cli --cluster check');
    return { nodes, slotNode };
  } finally {
    await closeRedis(client);
  }
}
