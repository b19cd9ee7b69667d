// `db indexes --create`: builds the chosen indexes one at a time with CREATE INDEX CONCURRENTLY,
// never inside a transaction, with lock_timeout set, and reports how long each took.
import type { CommandContext } from '../../cli/context.js';
import { usageError } from '../../cli/errors.js';
import type { PgConnection } from '../../connectors/postgres.js';
import type { Recommendation } from './model.js';

export interface Created {
  ddl: string;
  status: 'created' | 'failed' | 'skipped';
  ms: number;
  error?: string;
}

export async function createIndexes(ctx: CommandContext, conn: PgConnection, recs: Recommendation[], opts: { yes: boolean; lockTimeoutMs: number }): Promise<Created[]> {
  const todo = recs.filter((r) => r.ddl);
  if (!todo.length) return [];
  if (!opts.yes) {
    if (!ctx.io.stderrIsTTY) throw usageError('--create needs confirmation, and this is not a terminal', 'add --yes to create the indexes without asking');
    ctx.progress.stop();
    ctx.io.stderr(`perfkit will run on ${conn.target.display}:\n${todo.map((r) => `  ${r.ddl}`).join('\n')}\n`);
    if (!(await ctx.io.confirm(`Create ${todo.length} index${todo.length > 1 ? 'es' : ''}?`))) {
      return todo.map((r) => ({ ddl: r.ddl, status: 'skipped' as const, ms: 0, error: 'not confirmed' }));
    }
  }
  const out: Created[] = [];
  for (const [i, r] of todo.entries()) {
    ctx.progress.start(`creating index ${i + 1}/${todo.length}: ${r.table} (${r.columns.join(', ')})`);
    const started = ctx.io.now();
    try {
      // CREATE INDEX CONCURRENTLY cannot run in a transaction: one plain statement on a session with lock_timeout.
      await conn.withClient(async (client) => {
        await client.query(`SET lock_timeout = ${Math.round(opts.lockTimeoutMs)}`);
        await client.query(`SET statement_timeout = 0`);
        try {
          await client.query(`/* perfkit */ ${r.ddl}`);
        } finally {
          await client.query('RESET lock_timeout; RESET statement_timeout').catch(() => {});
        }
      });
      out.push({ ddl: r.ddl, status: 'created', ms: ctx.io.now() - started });
    } catch (e) {
      out.push({ ddl: r.ddl, status: 'failed', ms: ctx.io.now() - started, error: (e as Error).message });
    }
  }
  return out;
}
