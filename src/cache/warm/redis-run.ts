// Warming Redis: records are read in windows, grouped by cluster node, encoded once and written in
// pipelines on raw connections, with a few windows in flight. A dropped connection is reconnected with
// backoff and the unacknowledged windows are sent again; if perfkit gives up, the checkpoint holds every
// record before the first unsettled window, so --resume continues there. Memory stays flat: only the
// windows in flight are held.
import { inputError, runtimeError, usageError } from '../../cli/errors.js';
import { describeRedisError, type RedisTarget } from '../../connectors/redis.js';
import { ReplyError, type Reply } from '../../connectors/redis-pipe.js';
import { clusterSlots, connectNode, type Node } from './redis-nodes.js';
import { verifySample, type VerifyResult } from './verify.js';
import { checkResumable, loadCheckpoint, removeCheckpoint, saveCheckpoint, type Checkpoint, type Counts } from './checkpoint.js';
import { outcomeOf, toItem, writeArgs, type ItemDefaults, type Mode, type WarmItem } from './items.js';
import { fastString, newScan, writeSet } from './ndjson-fast.js';
import { RespWriter } from './resp-writer.js';
import { parseNdjsonLine, type Source, type SourceRecord } from './sources.js';

export interface RedisWarmOptions {
  source: Source;
  target: RedisTarget;
  cluster: boolean;
  mode: Mode;
  defaults: ItemDefaults;
  concurrency: number;
  ratePerSec?: number;
  windowSize: number;
  retries: number;
  connectTimeoutMs: number;
  checkpoint?: { file: string; resume: boolean };
  dryRun: boolean;
  verify: number;
  onError: 'continue' | 'stop';
  signal: AbortSignal;
  progress(text: string): void;
  /** Injected for tests: the backoff sleep. */
  sleep?: (ms: number) => Promise<void>;
}

export interface RedisWarmData {
  target: string;
  nodes: string[];
  source: { kind: string; label: string };
  mode: Mode;
  dryRun: boolean;
  items: number;
  counts: Counts;
  byType: Record<string, number>;
  /** Records skipped because an earlier run settled them (--resume). */
  resumedFrom: number;
  reconnects: number;
  windows: number;
  writeSeconds: number;
  itemsPerSec: number;
  errors: Array<{ line: number; n: number; message: string }>;
  errorCount: number;
  checkpoint: string | null;
  verify: VerifyResult | null;
  interrupted: boolean;
}

interface Window {
  /** Record number of its first record. */
  first: number;
  count: number;
  lines: number[];
  /** 0 pending, 1 written, 2 skipped, 3 failed. */
  outcomes: Uint8Array;
  groups: Map<Node, { writer: RespWriter; idx: number[]; payload?: Buffer }>;
  done: boolean;
}

const OUTCOME = { written: 1, skipped: 2, failed: 3 } as const;
const MAX_ERRORS_KEPT = 20;
const MAX_WINDOW_BYTES = 1 << 20;
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function warmRedis(o: RedisWarmOptions): Promise<RedisWarmData> {
  const nodes: Node[] = [];
  try {
    return await warm(o, nodes);
  } finally {
    // Every path out, errors included, closes the connections: an open socket would keep the process alive.
    await Promise.all(nodes.map((n) => n.pipe?.close()));
  }
}

async function warm(o: RedisWarmOptions, nodes: Node[]): Promise<RedisWarmData> {
  const sleep = o.sleep ?? defaultSleep;
  const job = `redis ${o.target.display} ${o.source.label} mode=${o.mode} type=${o.defaults.type}`;
  const sourceId = { label: o.source.label, size: o.source.identity?.size, mtimeMs: o.source.identity?.mtimeMs };
  let start = 0;
  const counts: Counts = { written: 0, skipped: 0, failed: 0 };
  const errors: RedisWarmData['errors'] = [];
  let errorCount = 0;
  if (o.checkpoint?.resume) {
    const cp = await loadCheckpoint(o.checkpoint.file);
    if (!cp) throw usageError(`--resume: no checkpoint at ${o.checkpoint.file}`, 'run without --resume to start from the beginning');
    checkResumable(cp, job, sourceId, o.checkpoint.file);
    start = cp.settled;
    Object.assign(counts, { written: cp.written, skipped: cp.skipped, failed: cp.failed });
    errors.push(...cp.errors);
    errorCount = cp.failed;
  }

  let slotNode: Int16Array | undefined;
  if (!o.dryRun) {
    if (o.cluster) {
      const cs = await clusterSlots(o);
      nodes.push(...cs.nodes);
      slotNode = cs.slotNode;
    } else nodes.push({ name: `${o.target.host}:${o.target.port}`, target: o.target });
    o.progress(`connecting to ${nodes.length === 1 ? o.target.display : `${nodes.length} cluster masters`}`);
    await Promise.all(nodes.map((n) => connectNode(n, o)));
  } else {
    // A dry run encodes nothing for a server; one stand-in node keeps the bookkeeping the same.
    nodes.push({ name: 'dry-run', target: o.target });
  }
  const keySlot = slotNode ? (await import('cluster-key-slot')).default : undefined;
  const nodeOf = (key: string) => (slotNode && keySlot ? nodes[slotNode[keySlot(key)]] : nodes[0]);
  const single = !slotNode;

  let reconnects = 0;
  const byType: Record<string, number> = {};
  // Reservoir sample for --verify (Algorithm R) over the valid items.
  // The item is built only when it enters the sample, at once: a deferred builder would keep the whole
  // input chunk it reads from alive.
  const reservoir: Array<{ item: WarmItem; w: Window; i: number }> = [];
  let seenForSample = 0;
  const sample = (w: Window, i: number, item: () => WarmItem) => {
    seenForSample++;
    if (reservoir.length < o.verify) reservoir.push({ item: item(), w, i });
    else {
      const j = Math.floor(Math.random() * seenForSample);
      if (j < o.verify) reservoir[j] = { item: item(), w, i };
    }
  };
  const inflight: Window[] = [];
  let settled = start;
  let windows = 0;
  let sentItems = 0;
  let stopError: unknown;
  let lastSave = 0;
  let saving = Promise.resolve();
  const began = Date.now();
  const snapshot = (): Checkpoint => ({ version: 1, source: sourceId, job, settled, ...counts, errors: errors.slice(0, MAX_ERRORS_KEPT), savedAt: new Date().toISOString() });
  const save = () => {
    if (!o.checkpoint || o.dryRun) return;
    const cp = snapshot();
    const file = o.checkpoint.file;
    saving = saving.then(() => saveCheckpoint(file, cp));
  };

  /** Settles the windows at the head of the queue that are done, in order. */
  const advance = () => {
    while (inflight.length && inflight[0].done) {
      const w = inflight.shift()!;
      for (let i = 0; i < w.count; i++) {
        const out = w.outcomes[i];
        if (out === OUTCOME.written) counts.written++;
        else if (out === OUTCOME.skipped) counts.skipped++;
        else counts.failed++;
      }
      settled = w.first + w.count - 1;
      // A sampled item keeps its window for the outcome: let the window drop its encoded commands.
      w.groups.clear();
    }
    if (Date.now() - lastSave > 1_000) {
      lastSave = Date.now();
      save();
    }
  };

  const recordError = (line: number, n: number, message: string) => {
    errorCount++;
    if (errors.length < MAX_ERRORS_KEPT) errors.push({ line, n, message });
  };

  const sendWindow = async (w: Window): Promise<void> => {
    await Promise.all(
      [...w.groups].map(async ([node, g]) => {
        g.payload ??= g.writer.take();
        for (let attempt = 0; ; attempt++) {
          try {
            if (!node.pipe) await reconnect(node);
            const replies: Reply[] = await node.pipe!.send(g.payload, g.idx.length);
            g.idx.forEach((i, j) => {
              const out = outcomeOf(replies[j]);
              w.outcomes[i] = OUTCOME[out];
              if (out === 'failed') recordError(w.lines[i], w.first + i, replies[j] instanceof ReplyError ? (replies[j] as ReplyError).message : `unexpected reply ${JSON.stringify(replies[j])}`);
            });
            return;
          } catch (e) {
            node.pipe = undefined;
            if (attempt >= o.retries || o.signal.aborted) throw describeRedisError(e, node.target);
            await sleep(Math.min(4_000, 250 * 2 ** attempt) * (0.75 + Math.random() / 2));
          }
        }
      }),
    );
  };

  const reconnect = async (node: Node) => {
    if (!node.connecting) {
      reconnects++;
      node.connecting = connectNode(node, o).finally(() => (node.connecting = undefined));
    }
    await node.connecting;
  };

  let items = start;
  let window: Window | undefined;
  let lastProgress = 0;
  const pending: Array<Promise<void>> = [];
  const newWindow = (first: number): Window => ({ first, count: 0, lines: [], outcomes: new Uint8Array(o.windowSize), groups: new Map(), done: false });
  const group = (w: Window, node: Node) => {
    let g = w.groups.get(node);
    if (!g) w.groups.set(node, (g = { writer: new RespWriter(), idx: [] }));
    return g;
  };
  const flushWindow = async () => {
    if (!window) return;
    const w = window;
    window = undefined;
    windows++;
    inflight.push(w);
    if (o.ratePerSec) {
      const due = began + ((sentItems + w.count) / o.ratePerSec) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    sentItems += w.count;
    if (o.dryRun) {
      w.done = true;
      advance();
      return;
    }
    const p = sendWindow(w).then(
      () => {
        w.done = true;
        advance();
      },
      (e: unknown) => {
        stopError ??= e;
      },
    );
    // Back-pressure: never more than `concurrency` windows in flight.
    pending.push(p);
    while (pending.length >= o.concurrency) await pending.shift();
  };

  /** Adds one record to the current window; returns the reason when it cannot be written. */
  const addGeneral = (w: Window, i: number, rec: SourceRecord): string | undefined => {
    if (rec.error) return rec.error;
    const r = toItem(rec.raw ?? {}, o.defaults);
    if ('error' in r) return r.error;
    byType[r.type] = (byType[r.type] ?? 0) + 1;
    if (o.verify > 0) sample(w, i, () => r);
    if (o.dryRun) {
      w.outcomes[i] = OUTCOME.skipped;
      return undefined;
    }
    const node = nodeOf(r.key);
    if (r.type !== 'string' && !node.sha) return 'hash, set, zset and list items need EVALSHA, which this server or user does not allow';
    const g = group(w, node);
    g.writer.command(writeArgs(r, o.mode, node.sha ?? ''));
    g.idx.push(i);
    return undefined;
  };

  // The fast path: a string item whose key and value are copied as bytes (see ndjson-fast.ts).
  const scan = newScan();
  const modeArg = o.mode === 'set' ? undefined : Buffer.from(o.mode.toUpperCase());
  const addFast = (w: Window, i: number, b: Buffer, s: number, e: number): boolean => {
    const f = fastString(b, s, e, scan, o.defaults);
    if (!f) return false;
    byType.string = (byType.string ?? 0) + 1;
    if (o.verify > 0) sample(w, i, () => ({ key: b.toString('utf8', f.keyStart, f.keyEnd), type: 'string', args: [f.value.toString('utf8', f.valueStart, f.valueEnd)], ttlMs: f.ttlMs }));
    if (o.dryRun) {
      w.outcomes[i] = OUTCOME.skipped;
      return true;
    }
    const g = group(w, single ? nodes[0] : nodeOf(b.toString('utf8', f.keyStart, f.keyEnd)));
    writeSet(g.writer, f, modeArg);
    g.idx.push(i);
    return true;
  };

  /** A window is sent at --batch records, or earlier once it holds ~1 MB of commands (big values make
   *  fewer records per batch, so a batch never grows unbounded). */
  const full = (w: Window): boolean => {
    if (w.count >= o.windowSize) return true;
    if ((w.count & 63) !== 0) return false;
    let bytes = 0;
    for (const g of w.groups.values()) bytes += g.writer.length;
    return bytes >= MAX_WINDOW_BYTES;
  };

  /** The window the next record goes into, and its slot. Synchronous: no promise per record. */
  const slot = (n: number, line: number): number => {
    items = n;
    window ??= newWindow(n);
    window.lines.push(line);
    return window.count++;
  };
  /** After a record: count a failure, stop on it (--on-error stop), flush a full window, show progress. */
  const after = async (n: number, line: number, why: string | undefined) => {
    const w = window!;
    if (why !== undefined) {
      w.outcomes[w.count - 1] = OUTCOME.failed;
      recordError(line, n, why);
      if (o.onError === 'stop') {
        await flushWindow();
        await Promise.all(pending);
        advance();
        // The fix changes the file, and a changed file cannot be resumed: no checkpoint to keep.
        await saving;
        if (o.checkpoint) await removeCheckpoint(o.checkpoint.file);
        throw inputError(
          `${o.source.label}: line ${line}: ${why}`,
          `fix that line and run again (the ${(n - 1 - start).toLocaleString('en-US')} records before it are settled; --mode nx skips what is written), or pass --on-error continue to count bad records as failed`,
        );
      }
    }
    if (full(w)) {
      await flushWindow();
      if (Date.now() - lastProgress > 200) {
        lastProgress = Date.now();
        const pct = o.source.totalBytes ? ` (${Math.round((o.source.bytesRead() / o.source.totalBytes) * 100)}%)` : '';
        const rate = Math.round(sentItems / Math.max(0.001, (Date.now() - began) / 1000));
        o.progress(`${o.dryRun ? 'checked' : 'warmed'} ${items.toLocaleString('en-US')} items${pct}, ${rate.toLocaleString('en-US')}/s`);
      }
    }
  };

  try {
    if (o.source.chunks) {
      let n = 0;
      outer: for await (const c of o.source.chunks()) {
        const { buf, starts, ends, lines } = c;
        for (let j = 0; j < starts.length; j++) {
          n++;
          if (n <= start) continue;
          if (o.signal.aborted || stopError) break outer;
          const i = slot(n, lines[j]);
          const w = window!;
          let why: string | undefined;
          if (!addFast(w, i, buf, starts[j], ends[j])) why = addGeneral(w, i, parseNdjsonLine(buf.toString('utf8', starts[j], ends[j]), n, lines[j]));
          // Only a failure or a full window needs the asynchronous part.
          if (why !== undefined || full(w)) await after(n, lines[j], why);
        }
      }
    } else {
      for await (const rec of o.source.records()) {
        if (rec.n <= start) continue;
        if (o.signal.aborted || stopError) break;
        const i = slot(rec.n, rec.line);
        await after(rec.n, rec.line, addGeneral(window!, i, rec));
      }
    }
    if (!stopError) await flushWindow();
    await Promise.all(pending);
    advance();
  } finally {
    if (stopError || o.signal.aborted) {
      save();
      await saving.catch(() => {});
    }
  }
  if (stopError) {
    const done = settled - start;
    throw runtimeError(
      `${(stopError as Error).message.replace(/\.$/, '')}; gave up after ${o.retries} retries with ${done.toLocaleString('en-US')} of the records settled in this run (written ${counts.written}, skipped ${counts.skipped}, failed ${counts.failed} in all)`,
      o.checkpoint ? `when Redis is back, run the same command with --resume (checkpoint ${o.checkpoint.file})` : 'run it again when Redis is back (stdin and SQL sources have no checkpoint; pass --checkpoint <file> for SQL)',
      stopError,
    );
  }
  const writeSeconds = (Date.now() - began) / 1000;
  let verify: RedisWarmData['verify'] = null;
  if (o.verify > 0 && !o.dryRun) {
    o.progress(`verifying ${reservoir.length} items`);
    verify = await verifySample(reservoir.filter((x) => x.w.outcomes[x.i] === OUTCOME.written).map((x) => x.item), nodeOf, reservoir.length);
  }
  if (o.checkpoint && !o.dryRun) {
    if (o.signal.aborted) {
      save();
      await saving;
    } else {
      await saving;
      await removeCheckpoint(o.checkpoint.file);
    }
  }
  return {
    target: o.target.display,
    nodes: o.dryRun ? [] : nodes.map((n) => n.name),
    source: { kind: o.source.kind, label: o.source.label },
    mode: o.mode,
    dryRun: o.dryRun,
    items: settled,
    counts,
    byType,
    resumedFrom: start,
    reconnects,
    windows,
    writeSeconds: Math.round(writeSeconds * 1000) / 1000,
    itemsPerSec: Math.round((settled - start) / Math.max(0.001, writeSeconds)),
    errors,
    errorCount,
    checkpoint: o.signal.aborted && o.checkpoint ? o.checkpoint.file : null,
    verify,
    interrupted: o.signal.aborted,
  };
}
