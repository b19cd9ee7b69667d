// Runs log tasks on n threads — n − 1 worker threads plus the main thread, which would otherwise only wait —
// pulling from one queue. Results are kept by task index, so they merge in file and byte order.
// Using the main thread saves one V8 isolate and one libpg-query instance (~70 MB resident).
import { Worker } from 'node:worker_threads';
import { PerfkitError, type ErrorKind } from '../../cli/errors.js';
import { Aggregator, type AggregateState } from './aggregate.js';
import type { ReadStats } from './model.js';
import type { LogTask } from './run-task.js';
import type { WorkerInit } from './worker.js';

export interface TaskResult {
  aggregate: Aggregator;
  stats: ReadStats;
}

type WorkerReply =
  | { index: number; ok: true; state: AggregateState; stats: ReadStats }
  | { index: number; ok: false; error: { kind?: string; message: string; hint?: string } };

export async function runPool(opts: {
  url: URL;
  tasks: LogTask[];
  threads: number;
  init: WorkerInit;
  /** Runs one task on the main thread. */
  local: (task: LogTask) => Promise<TaskResult>;
}): Promise<TaskResult[]> {
  const results: TaskResult[] = new Array(opts.tasks.length);
  const queue = [...opts.tasks];
  const workers: Worker[] = [];
  const stop = () => (queue.length = 0);

  const onWorker = (w: Worker) =>
    new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => (stop(), reject(e));
      const next = () => {
        const task = queue.shift();
        if (task) w.postMessage(task);
        else resolve();
      };
      w.on('message', (m: WorkerReply) => {
        if (!m.ok) return fail(new PerfkitError((m.error.kind ?? 'runtime') as ErrorKind, m.error.message, m.error.hint));
        results[m.index] = { aggregate: Aggregator.fromJSON(m.state), stats: m.stats };
        next();
      });
      w.on('error', fail);
      w.on('exit', (code) => code !== 0 && fail(new PerfkitError('runtime', `a log worker thread exited with code ${code}`, 'run again with --verbose to see why')));
      next();
    });

  const onMain = async () => {
    try {
      for (let task = queue.shift(); task; task = queue.shift()) results[task.index] = await opts.local(task);
    } catch (e) {
      stop();
      throw e;
    }
  };

  try {
    for (let i = 1; i < opts.threads; i++) workers.push(new Worker(opts.url, { workerData: opts.init }));
    await Promise.all([...workers.map(onWorker), onMain()]);
    return results;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
