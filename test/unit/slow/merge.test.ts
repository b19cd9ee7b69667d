// Exact merging: aggregating A then B equals merging the saved aggregates of A and B (percentiles included),
// saved reports merged from files, byte ranges of one log merged back, and --state reading only new lines.
import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aggregator, merge, type AggregateState } from '../../../src/db/slow/aggregate.js';
import { Fingerprinter } from '../../../src/db/slow/fingerprint.js';
import { mergeSavedResults } from '../../../src/db/slow/merge.js';
import type { LogEvent } from '../../../src/db/slow/model.js';
import { analyzeLogs, planTasks } from '../../../src/db/slow/parallel.js';
import { openLogSource } from '../../../src/db/slow/read.js';
import { runTask } from '../../../src/db/slow/run-task.js';
import { analyzeIncremental, loadState } from '../../../src/db/slow/state.js';
import { pgParser } from '../../../src/db/statement.js';
import { sectionEvents, statementEvents, STDERR_PREFIX, stderrLog } from '../../helpers/slow-events.js';

let pg: Awaited<ReturnType<typeof pgParser>>;
let dir: string;
beforeAll(async () => {
  pg = await pgParser();
  dir = await mkdtemp(join(tmpdir(), 'perfkit-slow-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const READ = { prefix: STDERR_PREFIX };
const aggregate = (events: LogEvent[], lines: number) => {
  const a = new Aggregator(new Fingerprinter(pg).fingerprint);
  for (const e of events) a.add(e);
  a.addRead({ files: ['pg.log'], bytes: lines * 100, lines, matched: lines - Math.floor(lines / 10), unparsed: Math.floor(lines / 10) });
  return a;
};
const roundTrip = (s: AggregateState): AggregateState => JSON.parse(JSON.stringify(s));
const finishAll = (a: Aggregator) => (['total', 'calls', 'mean', 'p95', 'p99', 'max', 'stddev'] as const).map((sort) => a.finish({ top: 50, sort }));

describe('merge', () => {
  // > 1000 calls per query, so histograms get promoted from packed to 32-bit on both sides.
  const events = [...statementEvents(12_000, 3)];
  events.splice(7000, 0, ...sectionEvents());

  it('of two halves equals aggregating the whole, exactly', () => {
    const whole = aggregate(events, 200);
    const [a, b] = [aggregate(events.slice(0, 4000), 80), aggregate(events.slice(4000), 120)];
    const merged = Aggregator.fromJSON(merge(roundTrip(a.toJSON()), roundTrip(b.toJSON())));
    expect(finishAll(merged)).toEqual(finishAll(whole));
    expect(merged.finish({ top: 5, sort: 'total' }).summary).toEqual({ ...whole.finish({ top: 5, sort: 'total' }).summary, linesRead: 200, linesUnparsed: 20 });
  });

  it('of three uneven parts, merged one at a time, equals the whole', () => {
    const cuts = [0, 10, 9001, events.length];
    const parts = cuts.slice(1).map((end, i) => aggregate(events.slice(cuts[i], end), 10));
    const merged = parts.map((p) => Aggregator.fromJSON(roundTrip(p.toJSON()))).reduce((x, y) => x.merge(y));
    const whole = aggregate(events, 30);
    expect(finishAll(merged)).toEqual(finishAll(whole));
    expect(merged.toJSON().queries.map((q) => [q.fingerprint, q.calls, q.totalUs, q.example])).toEqual(whole.toJSON().queries.map((q) => [q.fingerprint, q.calls, q.totalUs, q.example]));
  });

  it('reads saved reports (data.state) and --state files from disk, in order', async () => {
    const [a, b] = [aggregate(events.slice(0, 5000), 10), aggregate(events.slice(5000), 10)];
    await writeFile(join(dir, 'a.json'), JSON.stringify({ schemaVersion: 1, command: 'db slow', summary: {}, data: { queries: [], state: a.toJSON() } }));
    await writeFile(join(dir, 'b.json'), JSON.stringify({ version: 1, files: {}, aggregate: b.toJSON() }));
    await writeFile(join(dir, 'plain.json'), JSON.stringify({ schemaVersion: 1, data: { queries: [] } }));
    const merged = await mergeSavedResults([join(dir, 'a.json'), join(dir, 'b.json')]);
    expect(finishAll(merged)).toEqual(finishAll(aggregate(events, 20)));
    await expect(mergeSavedResults([join(dir, 'a.json'), join(dir, 'plain.json')])).rejects.toMatchObject({ kind: 'input', message: expect.stringContaining('no saved aggregate (data.state)') });
    await expect(mergeSavedResults([join(dir, 'missing.json')])).rejects.toMatchObject({ kind: 'input' });
  });
});

describe('byte ranges of one log', () => {
  it('plans ranges by share of bytes, and only cuts plain files', () => {
    const t = planTasks([{ path: 'big', splittable: true, start: 0, end: 100 }, { path: 'small.gz', splittable: false, start: 0, end: 20 }], 4, 10);
    expect(t.map((x) => [x.path, x.byteRange])).toEqual([
      ['big', { start: 0, end: 33 }], ['big', { start: 33, end: 66 }], ['big', { start: 66, end: 100 }], ['small.gz', undefined],
    ]);
    expect(planTasks([{ path: 'x', splittable: true, start: 500, end: 900, bounded: true }], 1).map((x) => x.byteRange)).toEqual([{ start: 500, end: 900 }]);
  });

  it('read one by one and merged, give what reading the whole file gives', async () => {
    const file = join(dir, 'ranges.log');
    const text = stderrLog(3000, 5);
    await writeFile(file, text);
    const whole = await analyzeLogs([file], READ);
    expect(whole.threads).toBe(1);
    const [source] = await openLogSource(file);
    const tasks = planTasks([{ path: file, splittable: true, start: 0, end: source.size! }], 4, 1000);
    expect(tasks).toHaveLength(4);
    const parts: Aggregator[] = [];
    for (const t of tasks) {
      const a = new Aggregator(new Fingerprinter(pg).fingerprint);
      await runTask(t, READ, a, source);
      parts.push(Aggregator.fromJSON(roundTrip(a.toJSON())));
    }
    const merged = parts.reduce((x, y) => x.merge(y));
    expect(finishAll(merged)).toEqual(finishAll(whole.aggregate));
    expect(whole.aggregate.finish({ top: 5, sort: 'total' }).summary).toMatchObject({ statements: 3000 - 30, linesRead: text.split('\n').length - 1, linesUnparsed: 0 });
  });
});

describe('--state', () => {
  it('reads only new lines, restarts on rotation and truncation, and merges into the saved aggregate', async () => {
    const log = join(dir, 'postgresql.log');
    const stateFile = join(dir, 'slow.state.json');
    const first = stderrLog(1000, 1);
    const second = stderrLog(500, 2, Date.UTC(2024, 4, 2));
    await writeFile(log, first);
    const run1 = await analyzeIncremental(stateFile, [log], READ);
    expect(run1.resumed).toEqual([{ path: log, start: 0, skip: false, reason: 'new' }]);
    expect(run1.aggregate.statements).toBe(1000 - 10);

    await appendFile(log, second);
    const run2 = await analyzeIncremental(stateFile, [log], READ);
    expect(run2.resumed[0]).toMatchObject({ start: Buffer.byteLength(first), reason: 'resumed' });
    expect(run2.added.statements).toBe(500 - 5);
    expect(run2.stats.lines).toBe(second.split('\n').length - 1);
    const once = await analyzeLogs([log], READ);
    expect(finishAll(run2.aggregate).map((r) => r.data.queries)).toEqual(finishAll(once.aggregate).map((r) => r.data.queries));

    const run3 = await analyzeIncremental(stateFile, [log], READ);
    expect(run3.resumed[0]).toMatchObject({ skip: true, reason: 'unchanged' });
    expect(run3.aggregate.statements).toBe(run2.aggregate.statements);

    await truncate(log, 0);
    await writeFile(log, second); // copytruncate: same inode, shorter
    expect((await analyzeIncremental(stateFile, [log], READ)).resumed[0]).toMatchObject({ start: 0, reason: 'truncated' });
    await rm(log);
    await writeFile(log, first + second); // re-created: another inode
    const run5 = await analyzeIncremental(stateFile, [log], READ);
    expect(run5.resumed[0]).toMatchObject({ start: 0, reason: 'rotated' });
    expect(run5.aggregate.statements).toBe(990 + 495 + 495 + 990 + 495);
    const saved = await loadState(stateFile);
    expect(Object.values(saved!.files)[0]).toMatchObject({ offset: Buffer.byteLength(first + second), size: Buffer.byteLength(first + second) });
    expect(JSON.parse(await readFile(stateFile, 'utf8')).aggregate.statements).toBe(run5.aggregate.statements);
  });

  it('refuses a file that is not a state file', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"hello": 1}');
    await expect(analyzeIncremental(bad, [], READ)).rejects.toMatchObject({ kind: 'input', message: expect.stringContaining('not a perfkit db slow state file') });
  });
});
