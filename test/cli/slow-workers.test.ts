// The worker-thread path of `db slow --log`, from the build (workers load dist/db/slow/worker.js, which vitest's
// src/*.ts cannot provide): several files and byte ranges of one file on 2 threads give exactly what one
// thread gives, and a worker's input error reaches the caller as the same catalogue error.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STDERR_PREFIX, stderrLog } from '../helpers/slow-events.js';

interface Aggregate { finish(o: { top: number; sort: string }): { summary: Record<string, number>; data: { queries: unknown[]; hourly: unknown[]; errors: unknown } } }
interface Result { aggregate: Aggregate; stats: { lines: number; files: string[] }; threads: number; tasks: unknown[] }
type Analyze = (specs: string[], readOpts: object, opts: object) => Promise<Result>;

let analyzeLogs: Analyze;
let dir: string;
const files: string[] = [];

beforeAll(async () => {
  const built = new URL('../../dist/db/slow/parallel.js', import.meta.url).href;
  ({ analyzeLogs } = (await import(built)) as { analyzeLogs: Analyze });
  dir = await mkdtemp(join(tmpdir(), 'perfkit-slow-workers-'));
  for (const [i, n] of [3000, 800, 1500].entries()) {
    files.push(join(dir, `postgresql-${i}.log`));
    await writeFile(files[i], stderrLog(n, i + 1, Date.UTC(2024, 4, 1 + i)));
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const READ = { prefix: STDERR_PREFIX };
const PARALLEL = { threads: 2, minParallelBytes: 0, minChunkBytes: 64 * 1024 };
const view = (r: Result) => ['total', 'p95', 'calls'].map((sort) => r.aggregate.finish({ top: 100, sort }));

describe('db slow on worker threads (built dist)', () => {
  it('splits one file into byte ranges and merges them exactly', async () => {
    const one = await analyzeLogs([files[0]], READ, { threads: 1 });
    const two = await analyzeLogs([files[0]], READ, PARALLEL);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.tasks.length).toBeGreaterThan(1);
    expect(view(two)).toEqual(view(one));
    expect(two.stats.lines).toBe(one.stats.lines);
  });

  it('reads several files on a pool of workers, merged in file order', async () => {
    const one = await analyzeLogs(files, READ, { threads: 1 });
    const two = await analyzeLogs(files, READ, PARALLEL);
    expect(two.threads).toBe(2);
    expect(view(two)).toEqual(view(one));
    expect(two.stats.files).toEqual(files);
    expect(one.aggregate.finish({ top: 1, sort: 'total' }).summary.statements).toBe(3000 - 30 + 800 - 8 + 1500 - 15);
  });

  it('fails on a log that matches nothing, read whole in a worker or in ranges', async () => {
    const noise = join(dir, 'noise.log');
    await writeFile(noise, 'this is not a PostgreSQL log line\n'.repeat(20_000));
    const inWorker = { ...PARALLEL, minChunkBytes: 1e9 }; // no ranges: the worker's reader throws, the error crosses over
    await expect(analyzeLogs([files[1], noise], READ, inWorker)).rejects.toMatchObject({ kind: 'input', message: expect.stringContaining('noise.log') });
    await expect(analyzeLogs([noise], READ, PARALLEL)).rejects.toMatchObject({ kind: 'input', message: expect.stringContaining('0 of 20,000') });
  });
});
