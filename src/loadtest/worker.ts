// One core's share of a closed-model run (--workers): runs autocannon with its connections in this
// thread and posts the snapshot, whose encoded histograms the main thread merges exactly.
import { parentPort, workerData } from 'node:worker_threads';
import { runClosed, type ClosedOptions } from './closed.js';
import { Recorder } from './recorder.js';

interface Job {
  options: Omit<ClosedOptions, 'signal' | 'onTick'>;
  names: string[];
  durationMs: number;
}

const job = workerData as Job;
const controller = new AbortController();
parentPort?.on('message', (m) => {
  if (m === 'stop') controller.abort();
});
const rec = new Recorder(job.names, Date.now());
runClosed({ ...job.options, signal: controller.signal }, rec).then(
  () => parentPort?.postMessage({ ok: true, snapshot: rec.snapshot(Math.max(0.001, (Date.now() - rec.measureFromMs) / 1000)) }),
  (e: Error) => parentPort?.postMessage({ ok: false, error: e.message }),
);
