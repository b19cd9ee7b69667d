// `perfkit cache inspect`: how well a Redis cache works (INFO, optionally over an interval), then its
// keyspace by SCAN: namespaces, big and cold keys, TTLs; on one server or every master of a cluster.
import type { CommandContext, CommandOutcome } from '../../cli/context.js';
import { runtimeError, usageError } from '../../cli/errors.js';
import type { RedisClient as Redis, RedisTarget } from '../../connectors/redis.js';
import { durationFlag, numberFlag } from '../../util/flags.js';
import { sleep } from '../../util/retry.js';
import { formatNumber, formatMs } from '../../util/units.js';
import { KeyspaceAggregate, type KeyspaceResult } from './aggregate.js';
import { compareSnapshots, type Comparison } from './compare.js';
import { cacheFindings } from './findings.js';
import {
  effectivenessOf,
  parseInfo,
  parseLatencyLatest,
  parseSlowlog,
  ratesBetween,
  snapshotOf,
  type LatencyEvent,
  type NodeSnapshot,
  type SlowlogEntry,
} from './info.js';
import { ScanBroken, scanNode, type AccessMode, type ScanOutcome } from './scan.js';
import { inspectView, type InspectData } from './view.js';
import { chooseElements, clusterMastersOf, countTopElements, cursorFlag, noTouchKnown, parseCursors, type Node } from './nodes.js';
import { loadSnapshot } from './saved.js';
import { summaryOf } from './summary.js';

export interface InspectOptions {
  redis?: string;
  cluster?: boolean;
  pattern?: string;
  type?: string;
  sample?: string;
  top?: string;
  samples?: string;
  delimiter?: string;
  coldAfter?: string;
  interval?: string;
  maxLatencyMs?: string;
  cursor?: string;
  count?: string;
  scan?: boolean;
  elements?: string;
  bigKeyBytes?: string;
  save?: string;
  compare?: string;
  connectTimeout?: string;
}

const TYPES = ['string', 'list', 'set', 'zset', 'hash', 'stream'];

export async function run(ctx: CommandContext): Promise<CommandOutcome<InspectData>> {
  const o = ctx.options as InspectOptions;
  const top = numberFlag(o.top, '--top', 20, { min: 1, integer: true });
  const samples = numberFlag(o.samples, '--samples', 5, { integer: true });
  const count = numberFlag(o.count, '--count', 500, { min: 1, integer: true });
  const sample = o.sample !== undefined ? numberFlag(o.sample, '--sample', 10_000, { min: 1, integer: true }) : undefined;
  const maxLatencyMs = o.maxLatencyMs !== undefined ? numberFlag(o.maxLatencyMs, '--max-latency-ms', 5) : undefined;
  if (maxLatencyMs === 0) throw usageError(`--max-latency-ms '0': a target of 0 ms cannot be met`, 'write e.g. --max-latency-ms 5');
  const bigKeyBytes = numberFlag(o.bigKeyBytes, '--big-key-bytes', 1024 * 1024, { min: 1, integer: true });
  const coldAfterMs = durationFlag(o.coldAfter, '--cold-after', 24 * 3_600_000, { allowZero: true });
  const intervalMs = o.interval !== undefined ? durationFlag(o.interval, '--interval', 10_000, { allowZero: true }) : undefined;
  const connectTimeoutMs = durationFlag(o.connectTimeout, '--connect-timeout', ctx.settings.redis.connectTimeoutMs, { allowZero: true });
  const delimiters = o.delimiter ?? ':';
  if (delimiters === '') throw usageError(`--delimiter '': no delimiter given`, "write e.g. --delimiter ':' (several characters: each is a delimiter)");
  if (o.type !== undefined && !TYPES.includes(o.type)) throw usageError(`--type '${o.type}': not a Redis type`, `use one of ${TYPES.join(', ')}`);
  const elementsFlag = o.elements ?? 'auto';
  if (!['auto', 'all', 'top', 'none'].includes(elementsFlag)) throw usageError(`--elements '${elementsFlag}': unknown mode`, 'use auto, all, top or none');
  const doScan = o.scan !== false;
  if (!doScan && (o.cursor || o.sample || o.compare)) throw usageError('--no-scan cannot be combined with --cursor, --sample or --compare', 'drop --no-scan to scan the keyspace');
  const cursors = parseCursors(o.cursor, Boolean(o.cluster));
  const baseline = o.compare ? await loadSnapshot(o.compare, ctx.io.cwd) : undefined;

  const redis = await import('../../connectors/redis.js');
  const target = redis.resolveRedisTarget({ flag: o.redis, configUrl: ctx.settings.redis.url, configSource: ctx.settings.redis.urlSource }, ctx.io.env);
  target.secrets.forEach((s) => ctx.secret(s));
  const connectOpts = { connectTimeoutMs, commandTimeoutMs: Math.max(connectTimeoutMs, 30_000) };
  const open: Redis[] = [];
  const connect = async (t: RedisTarget) => {
    const c = await redis.connectRedis(t, connectOpts);
    open.push(c);
    return c;
  };
  const call = async <T>(t: RedisTarget, p: Promise<T>): Promise<T> => p.catch((e: unknown) => Promise.reject(redis.describeRedisError(e, t)));

  try {
    ctx.progress.start(`connecting to ${target.display}`);
    const seed = await connect(target);
    const seedInfo = parseInfo(await call(target, seed.info('everything')));
    let nodes: Node[] = [{ name: `${target.host}:${target.port}`, client: seed, target }];
    let clusterMasters: number | undefined;
    if (o.cluster) {
      if (seedInfo.cluster_enabled !== '1') throw usageError(`--cluster: ${target.display} is not a Redis Cluster node (cluster_enabled:0)`, 'drop --cluster for a single server');
      if (target.db !== 0) throw usageError(`--cluster: ${target.display} names database ${target.db}, but a cluster has only database 0`, 'remove the /db from the URL');
      const masters = clusterMastersOf(String(await call(target, seed.call('CLUSTER', 'NODES'))));
      if (!masters.length) throw runtimeError(`${target.display}: CLUSTER NODES lists no master that serves slots`, 'check the cluster with redis-cli --cluster check');
      ctx.progress.update(`connecting to ${masters.length} cluster masters`);
      nodes = [];
      for (const m of masters) {
        const t = redis.nodeTarget(target, m.host, m.port);
        const same = m.host === target.host && m.port === target.port;
        nodes.push({ name: `${m.host}:${m.port}`, client: same ? seed : await connect(t), target: t });
      }
    } else if (seedInfo.cluster_enabled === '1') {
      const masters = clusterMastersOf(String(await seed.call('CLUSTER', 'NODES').catch(() => '')));
      if (masters.length > 1) clusterMasters = masters.length;
    }
    if (cursors && !cursors.has('*')) {
      for (const k of cursors.keys()) {
        if (!nodes.some((n) => n.name === k)) throw usageError(`--cursor: ${k} is not one of the masters (${nodes.map((n) => n.name).join(', ')})`, 'copy the --cursor value perfkit printed when the scan stopped');
      }
    }

    // Effectiveness first: perfkit's own SCAN and MEMORY USAGE would count as keyspace hits.
    ctx.progress.update('reading INFO');
    const infoOf = async (n: Node): Promise<NodeSnapshot> => snapshotOf(n.name, Date.now(), parseInfo(await call(n.target, n.client.info('everything'))), n.target.db);
    const first = await Promise.all(nodes.map(infoOf));
    let interval: ReturnType<typeof ratesBetween> | undefined;
    if (intervalMs !== undefined) {
      ctx.progress.update(`sampling INFO again in ${formatMs(intervalMs)}`);
      await sleep(intervalMs, ctx.signal);
      if (!ctx.signal.aborted) interval = ratesBetween(first, await Promise.all(nodes.map(infoOf)));
    }
    const eff = effectivenessOf(first, interval);
    const slowlog: SlowlogEntry[] = [];
    const latency: LatencyEvent[] = [];
    let latencyMonitor = false;
    for (const n of nodes) {
      slowlog.push(...parseSlowlog(n.name, await n.client.call('SLOWLOG', 'GET', '10').catch(() => [])));
      const threshold = (await n.client.call('CONFIG', 'GET', 'latency-monitor-threshold').catch(() => [])) as string[];
      if (Number(threshold?.[1] ?? 0) > 0) {
        latencyMonitor = true;
        latency.push(...parseLatencyLatest(n.name, await n.client.call('LATENCY', 'LATEST').catch(() => [])));
      }
    }
    slowlog.sort((a, b) => b.durationUs - a.durationUs);

    const lfu = /lfu/.test(eff.policy);
    const access: AccessMode = lfu ? 'freq' : 'idle';
    let keyspace: KeyspaceResult | null = null;
    let scans: ScanOutcome[] = [];
    let elementsMode: 'all' | 'top' | 'none' = 'none';
    const notes: string[] = [];
    let broken: ScanBroken | undefined;
    if (doScan && !ctx.signal.aborted) {
      elementsMode = await chooseElements(elementsFlag, nodes, eff.policy);
      const agg = new KeyspaceAggregate({ delimiters, top, coldAfterSec: Math.floor(coldAfterMs / 1000), coldFreq: 1 });
      const dbsizes = await Promise.all(nodes.map(async (n) => Number(await call(n.target, n.client.dbsize()))));
      const total = dbsizes.reduce((a, b) => a + b, 0);
      const started = Date.now();
      let shown = 0;
      const progress = () => {
        if (Date.now() - shown < 200) return;
        shown = Date.now();
        const done = agg.scanned;
        const frac = Math.min(1, done / Math.max(1, sample ?? total));
        const eta = frac > 0.01 ? ((Date.now() - started) / frac) * (1 - frac) : undefined;
        ctx.progress.update(`scanned ${formatNumber(done)} of ${o.pattern || o.type ? '≤ ' : '~'}${formatNumber(sample ?? total)} keys (${Math.round(frac * 100)}%)${eta !== undefined && !o.pattern && !o.type ? `, about ${formatMs(eta)} left` : ''}`);
      };
      ctx.progress.update(`scanning ${formatNumber(total)} keys`);
      const probes = maxLatencyMs !== undefined ? await Promise.all(nodes.map((n) => connect(n.target))) : [];
      const results = await Promise.allSettled(
        nodes.map((n, i) =>
          scanNode(n.client, {
            node: n.name,
            match: o.pattern,
            type: o.type,
            count,
            samples,
            access,
            countElements: elementsMode === 'all',
            cursor: cursors?.get('*') ?? cursors?.get(n.name),
            limit: sample !== undefined ? Math.ceil((sample * dbsizes[i]) / Math.max(1, total)) : undefined,
            maxLatencyMs,
            probe: probes[i],
            signal: ctx.signal,
            onRecords: (records, vanished) => {
              for (const r of records) agg.add(r);
              agg.vanished += vanished;
            },
            onPage: progress,
          }),
        ),
      );
      scans = results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason instanceof ScanBroken ? r.reason.outcome : undefined)).filter((x): x is ScanOutcome => Boolean(x));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        if (!(failed.reason instanceof ScanBroken)) throw failed.reason;
        broken = failed.reason;
      }
      if (elementsMode === 'top' && !broken) await countTopElements(agg, nodes);
      keyspace = agg.finish({ totalKeys: sample !== undefined && !o.pattern && !o.type ? total : undefined });
      if (elementsMode === 'top') keyspace.bigKeysByElements = [...keyspace.bigKeys].filter((k) => k.elements !== null).sort((a, b) => (b.elements ?? 0) - (a.elements ?? 0));
      if (sample !== undefined && (o.pattern || o.type)) notes.push('A sample with --pattern or --type is not scaled up: the number of matching keys is unknown until they are all scanned.');
      if (access === 'idle' && elementsMode === 'all' && !(await noTouchKnown(nodes))) notes.push('Idle times were read before the length commands; those commands refreshed the scanned keys’ LRU clock (Redis < 7.2 has no CLIENT NO-TOUCH), so the next scan sees them as recently used.');
    }
    if (broken) {
      const resume = cursorFlag(scans, nodes.length > 1);
      const cause = redis.describeRedisError(broken.cause, nodes.find((n) => n.name === broken?.outcome.node)?.target ?? target);
      throw runtimeError(
        `${broken.outcome.node} failed mid-scan after ${formatNumber(scans.reduce((s, x) => s + x.scanned, 0))} keys (${cause.message})`,
        `when it is back, resume with --cursor ${resume}`,
        broken.cause,
      );
    }
    const complete = scans.length > 0 && scans.every((s) => s.complete);
    const partial = doScan && scans.length > 0 && !complete && sample === undefined;
    if (partial && ctx.signal.aborted) ctx.note(`interrupted: the report covers the keys scanned so far; resume with --cursor ${cursorFlag(scans, nodes.length > 1)}`);

    const comparison: Comparison | undefined = baseline && keyspace ? compareSnapshots(baseline, { summary: {}, namespaces: keyspace.namespaces, bigKeys: keyspace.bigKeys }) : undefined;
    const otherDbs = eff.keyspace.filter((d) => d.db !== target.db && d.keys > 0).map((d) => d.db);
    const findings = cacheFindings(eff, keyspace, { clusterMasters, otherDbs, slowlog, elementsMode, resumeCursor: partial ? cursorFlag(scans, nodes.length > 1) : undefined }, { bigKeyBytes, bigKeyElements: 100_000, coldAfterLabel: formatMs(coldAfterMs) });
    const summary = summaryOf(eff, keyspace, target.db, comparison, bigKeyBytes);
    const data: InspectData = {
      effectiveness: eff,
      nodes: first.map((s) => ({
        node: s.node,
        role: s.role,
        version: s.version,
        usedMemory: s.usedMemory,
        maxmemory: s.maxmemory,
        policy: s.policy,
        keys: s.keyspace.find((k) => k.db === target.db)?.keys ?? 0,
        hitRatio: s.hits + s.misses > 0 ? s.hits / (s.hits + s.misses) : null,
        scannedKeys: keyspace?.nodes.find((x) => x.node === s.node)?.keys ?? null,
        scannedBytes: keyspace?.nodes.find((x) => x.node === s.node)?.bytes ?? null,
      })),
      scan: doScan
        ? {
            complete,
            cursor: partial ? cursorFlag(scans, nodes.length > 1) : null,
            method: scans[0]?.method ?? null,
            match: o.pattern ?? null,
            type: o.type ?? null,
            count,
            samples,
            access: access === 'freq' ? 'lfu-freq' : 'lru-idle',
            elements: elementsMode,
            coldAfterSec: Math.floor(coldAfterMs / 1000),
            delimiters,
            pages: scans.reduce((s, x) => s + x.pages, 0),
            throttle: scans.flatMap((s) => (s.throttle ? [{ node: s.node, ...s.throttle }] : [])),
          }
        : null,
      keyspace: keyspace ? { ...keyspace, nodes: undefined } : null,
      namespaces: keyspace?.namespaces ?? [],
      bigKeys: keyspace?.bigKeys ?? [],
      ttlHistogram: keyspace?.ttlHistogram ?? [],
      slowlog,
      latency: { monitor: latencyMonitor, events: latency },
      keysizes: first.some((s) => s.keysizes) ? Object.fromEntries(first.map((s) => [s.node, s.keysizes ?? null])) : null,
      comparison: comparison ?? null,
      notes,
    };
    const result = {
      command: 'cache inspect',
      target: { redis: target.display, nodes: nodes.map((n) => n.name), db: target.db },
      environment: { redis: eff.version, policy: eff.policy, cluster: nodes.length > 1 },
      summary,
      findings,
      data,
    };
    if (o.save) {
      const { writeFileAtomically } = await import('../../util/write-file.js');
      const path = await import('node:path');
      await writeFileAtomically(path.resolve(ctx.io.cwd, o.save), `${JSON.stringify({ ...result, savedAt: new Date(ctx.io.now()).toISOString() }, null, 1)}\n`, '--save');
    }
    return { result, view: inspectView };
  } finally {
    ctx.progress.stop();
    await Promise.all(open.map((c) => redis.closeRedis(c)));
  }
}
