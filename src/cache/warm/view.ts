// The human view of a Redis warm: what happened to every input record, by type, the errors with their
// line numbers, and the read-back check.
import type { Section } from '../../report/model.js';
import { formatNumber } from '../../util/units.js';
import type { RedisWarmData } from './redis-run.js';

export function redisWarmView(d: RedisWarmData): Section[] {
  const c = d.counts;
  const out: Section[] = [
    {
      title: d.dryRun ? `Dry run of ${d.source.label}: nothing was written` : `Warmed ${d.target} from ${d.source.label} (--mode ${d.mode})`,
      kind: 'table',
      columns: ['items', d.dryRun ? 'valid' : 'written', d.dryRun ? '' : 'skipped', 'failed', 'items/s', 'reconnects'].filter(Boolean),
      align: ['right', 'right', 'right', 'right', 'right', 'right'],
      rows: [
        d.dryRun
          ? [formatNumber(d.items), formatNumber(c.skipped), formatNumber(c.failed), '–', '–']
          : [formatNumber(d.items), formatNumber(c.written), formatNumber(c.skipped), formatNumber(c.failed), formatNumber(d.itemsPerSec), d.reconnects],
      ],
    },
  ];
  const notes = [
    `written + skipped + failed = ${formatNumber(c.written + c.skipped + c.failed)} of ${formatNumber(d.items)} input items${d.resumedFrom ? ` (items 1–${formatNumber(d.resumedFrom)} were settled by the run this one resumed)` : ''}.`,
  ];
  if (d.interrupted) notes.push(`Interrupted${d.checkpoint ? `: run the same command with --resume (checkpoint ${d.checkpoint})` : ''}.`);
  out.push({ title: 'Accounting', kind: 'text', text: notes.join('\n') });
  const types = Object.entries(d.byType);
  if (types.length > 1 || (types.length === 1 && types[0][0] !== 'string')) {
    out.push({ title: 'By type', kind: 'table', columns: ['type', 'items'], align: ['left', 'right'], rows: types.map(([t, n]) => [t, formatNumber(n)]) });
  }
  if (d.errors.length) {
    out.push({
      title: `Errors (${formatNumber(d.errorCount)}${d.errorCount > d.errors.length ? `, first ${d.errors.length}` : ''})`,
      kind: 'table',
      columns: ['line', 'error'],
      align: ['right', 'left'],
      rows: d.errors.map((e) => [e.line, e.message]),
    });
  }
  if (d.verify) {
    out.push({
      title: `Read back ${d.verify.checked} sampled keys: ${d.verify.ok} as written`,
      kind: 'table',
      columns: ['key', 'problem'],
      rows: d.verify.mismatches.length ? d.verify.mismatches.map((m) => [m.key, m.why]) : [['–', 'none']],
    });
  }
  return out;
}
