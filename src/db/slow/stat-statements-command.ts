// `db slow` without --log: the top statements of pg_stat_statements (since its reset, or over an
// --interval between two snapshots), fingerprinted like log data so the two join on one key.
import type { CommandContext, CommandOutcome } from '../../cli/context.js';
import { usageError } from '../../cli/errors.js';
import type { Section } from '../../report/model.js';
import { parseDuration } from '../../util/units.js';
import { openDb } from '../connect.js';
import { readStatStatements, readStatStatementsInterval, requireStatStatements } from '../stat-statements.js';
import type { SlowOptions } from './command.js';
import { loadFingerprinter } from './fingerprint.js';
import { diffSnapshots, statStatementsReport, STAT_SORTS, type StatReport, type StatSort } from './stat-statements-top.js';
import { numberFlag } from '../../util/flags.js';

export async function statStatementsCommand(ctx: CommandContext, o: SlowOptions): Promise<CommandOutcome<StatReport['data']>> {
  const sort = (o.sort ?? 'total') as StatSort;
  if (!STAT_SORTS.includes(sort)) throw usageError(`--sort '${o.sort}' does not apply to pg_stat_statements`, `use one of ${STAT_SORTS.join(', ')}`);
  const top = numberFlag(o.top, '--top', 20, { min: 1, integer: true });
  const intervalMs = o.interval === undefined ? undefined : parseDuration(o.interval);
  if (o.interval !== undefined && (intervalMs === undefined || intervalMs <= 0)) throw usageError(`--interval '${o.interval}': not a duration`, 'write e.g. --interval 60s');
  const db = await openDb(ctx, o);
  try {
    requireStatStatements(db.conn, 'or analyse log files with --log');
    const fingerprinter = await loadFingerprinter();
    let window;
    if (intervalMs !== undefined) {
      ctx.progress.update(`sampling pg_stat_statements for ${o.interval}`);
      const [a, b] = await readStatStatementsInterval(db.conn, intervalMs);
      window = diffSnapshots(a, b);
    } else {
      ctx.progress.update('reading pg_stat_statements');
      window = await readStatStatements(db.conn);
    }
    const report = statStatementsReport(window, { top, sort, fingerprint: fingerprinter.fingerprint });
    return {
      result: {
        command: 'db slow',
        target: { display: db.display, source: 'pg_stat_statements' },
        environment: { postgres: db.conn.info.version, postgresVersionNum: db.conn.info.versionNum },
        summary: { ...report.summary },
        findings: [],
        data: report.data,
      },
      view: statView,
    };
  } finally {
    await db.close();
  }
}

const r2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

function statView(d: StatReport['data']): Section[] {
  const window = d.intervalMs !== null ? `over ${Math.round(d.intervalMs / 1000)} s` : `since ${d.statsReset ?? 'the statistics began'}`;
  return [{
    title: `Top ${d.queries.length} queries by ${d.sort} from pg_stat_statements, ${window}`,
    kind: 'table',
    columns: ['query', 'calls', 'total ms', 'mean', 'min', 'max', 'stddev', 'rows', 'hit %', 'read blks', 'temp blks', 'plan ms'],
    rows: d.queries.map((q) => [
      q.query.replace(/\s+/g, ' ').slice(0, 60), q.calls, r2(q.totalMs), r2(q.meanMs), r2(q.minMs), r2(q.maxMs), r2(q.stddevMs), q.rows,
      q.hitRatio === null ? null : `${Math.round(q.hitRatio * 100)}%`, q.sharedBlksRead, q.tempBlksRead + q.tempBlksWritten, r2(q.planMs),
    ]),
  }];
}
