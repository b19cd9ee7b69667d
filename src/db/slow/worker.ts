// The worker thread of `db slow` (loaded from dist/ by parallel.ts): takes log tasks one at a time, reads and
// aggregates each with its own memoized fingerprinter, and posts back the serialized aggregate and ReadStats.
import { parentPort, workerData } from 'node:worker_threads';
import { Aggregator, type AggregatorOptions } from './aggregate.js';
import { loadFingerprinter, type Fingerprinter } from './fingerprint.js';
import { preferCompactWasm, runTask, type LogTask, type ReadOptions } from './run-task.js';

export interface WorkerInit {
  readOpts: ReadOptions;
  aggOpts: AggregatorOptions;
}

let fingerprinter: Promise<Fingerprinter> | undefined;
const init = workerData as WorkerInit;

parentPort?.on('message', async (task: LogTask) => {
  try {
    if (!fingerprinter) {
      preferCompactWasm();
      fingerprinter = loadFingerprinter();
    }
    const agg = new Aggregator((await fingerprinter).fingerprint, init.aggOpts);
    const stats = await runTask(task, init.readOpts, agg);
    parentPort?.postMessage({ index: task.index, ok: true, state: agg.toJSON(), stats });
  } catch (e) {
    const err = e as { kind?: string; message?: string; hint?: string };
    parentPort?.postMessage({ index: task.index, ok: false, error: { kind: err?.kind, message: err?.message ?? String(e), hint: err?.hint } });
  }
});
