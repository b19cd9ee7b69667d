// The human view of `db slow`: the top queries with percentiles, latency over all statements, the
// hourly load, and the secondary sections (errors, temp files, lock waits, checkpoints, autovacuum,
// connections) when the log had any. pg_stat_statements reports show their own columns.
import type { Section } from '../../report/model.js';
import { formatBytes } from '../../util/units.js';
import type { SlowLogData } from './finish.js';

const short = (sql: string, n = 60) => {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};
const r2 = (n: number) => Math.round(n * 100) / 100;

export function slowView(data: SlowLogData): Section[] {
  const out: Section[] = [];
  out.push({
    title: `Top ${data.queries.length} queries by ${data.sort} (${data.normalizer.statements.toLocaleString('en-US')} statements)`,
    kind: 'table',
    columns: ['query', 'calls', 'total ms', 'mean', 'p50', 'p95', 'p99', 'max', 'share'],
    rows: data.queries.map((q) => [short(q.query), q.calls, r2(q.totalMs), r2(q.meanMs), r2(q.p50Ms), r2(q.p95Ms), r2(q.p99Ms), r2(q.maxMs), `${Math.round(q.share * 100)}%`]),
  });
  const slowest = data.queries[0];
  if (slowest) {
    const params = slowest.example.params?.length ? `\nparameters: ${slowest.example.params.map((p, i) => `$${i + 1} = ${p}`).join(', ')}` : '';
    out.push({ title: `Slowest example of the top query (${r2(slowest.example.durationMs)} ms at ${slowest.example.at})`, kind: 'text', text: `${slowest.example.query}${params}` });
  }
  const l = data.latency;
  out.push({ title: 'Latency over all statements', kind: 'table', columns: ['p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rows: [[r2(l.p50Ms), r2(l.p95Ms), r2(l.p99Ms), r2(l.maxMs)]] });
  if (data.hourly.length > 1) {
    out.push({ title: 'Load by hour', kind: 'table', columns: ['hour', 'statements', 'total ms'], rows: data.hourly.map((h) => [h.hour, h.calls, r2(h.totalMs)]) });
  }
  if (data.errors.count) {
    out.push({ title: `Errors (${data.errors.count})`, kind: 'table', columns: ['count', 'message'], rows: data.errors.byMessage.map((e) => [e.count, short(String((e as { message: string }).message), 90)]) });
  }
  if (data.tempFiles.count) {
    out.push({
      title: `Temporary files (${data.tempFiles.count}, ${formatBytes(data.tempFiles.totalBytes)}, largest ${formatBytes(data.tempFiles.maxBytes)})`,
      kind: 'table',
      columns: ['query', 'files', 'bytes'],
      rows: data.tempFiles.byQuery.map((q) => [short(q.query), q.count, formatBytes(q.totalBytes ?? 0)]),
    });
  }
  if (data.lockWaits.count) {
    out.push({
      title: `Lock waits (${data.lockWaits.count}, ${r2(data.lockWaits.totalWaitMs)} ms in all)`,
      kind: 'table',
      columns: ['query', 'waits', 'wait ms'],
      rows: data.lockWaits.byQuery.map((q) => [short(q.query), q.count, r2(q.totalWaitMs ?? 0)]),
    });
  }
  const c = data.checkpoints;
  const a = data.autovacuum;
  const s = data.connections;
  const other: Array<[string, string]> = [];
  if (c.started || c.completed) other.push(['checkpoints', `${c.completed} completed (${Object.entries(c.byReason).map(([k, v]) => `${k}: ${v}`).join(', ')}), ${c.totalBuffers} buffers, longest ${r2(c.maxTotalMs)} ms`]);
  if (a.count) other.push(['autovacuum', `${a.count} runs on ${a.tables.length} tables; longest ${a.tables[0]?.table} ${r2(a.tables[0]?.maxElapsedMs ?? 0)} ms`]);
  if (s.received || s.disconnections) other.push(['connections', `${s.received} received, ${s.authorized} authorized, ${s.disconnections} disconnections; mean session ${s.sessions.meanMs === null ? '–' : r2(s.sessions.meanMs)} ms`]);
  if (other.length) out.push({ title: 'Other events', kind: 'table', columns: ['what', 'summary'], rows: other });
  return out;
}
