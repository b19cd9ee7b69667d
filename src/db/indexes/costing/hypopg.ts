// Costing with HypoPG hypothetical indexes: per set, hypopg_reset(), one hypopg_create_index per
// candidate, then each query EXPLAINed (generic plans re-PREPAREd, see explain-runner.ts), then reset.
// Hypothetical indexes live in the backend only and ignore transactions, so every set runs on one
// client and is reset before the client goes back to the pool.
import { runtimeError } from '../../../cli/errors.js';
import { isConnectionLoss, type PgConnection, type PgSession } from '../../../connectors/postgres.js';
import { candidateDdl } from '../advisor/ddl.js';
import type { CandidateIndex, WorkloadQuery } from '../model.js';
import { quoteIdent } from '../advisor/quote-ident.js';
import { makeCoster, type Coster, type CostSetResult } from './coster.js';
import { beginCosting, costQueries, rollback, serverMessage, TAG } from './explain-runner.js';

export interface HypopgOptions {
  statementTimeoutMs: number;
  /** Hypothetical indexes at once (dexter caps at 500 to avoid "hypopg: not more oid available"). */
  maxHypothetical?: number;
}

/** Access methods HypoPG 1.3.1 can simulate (bloom too, which perfkit does not suggest). */
const HYPOPG_METHODS = new Set(['btree', 'hash', 'brin']);
const DEFAULT_MAX = 500;

export async function createHypopgCoster(conn: PgConnection, opts: HypopgOptions): Promise<Coster> {
  const rows = await conn.query<{ schema: string }>(
    `${TAG}SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'hypopg'`,
  );
  if (!rows[0]) {
    throw runtimeError(
      `HypoPG is not installed in database ${conn.info.database}`,
      'run CREATE EXTENSION hypopg (the server needs the package, e.g. postgresql-15-hypopg), or cost with --trial-db or the pg_stats heuristic',
    );
  }
  const fn = (name: string) => `${quoteIdent(rows[0]!.schema)}.${name}`;
  const max = opts.maxHypothetical ?? DEFAULT_MAX;
  const versionNum = conn.info.versionNum;
  let plansMade = 0;

  const canCost = (c: CandidateIndex) => c.costable !== false && HYPOPG_METHODS.has(c.method);

  /** Creates the candidates it can; returns index name → candidate key (and oid → key), and what it skipped. */
  async function build(client: PgSession, candidates: CandidateIndex[]) {
    const names = new Map<string, string>();
    const oids = new Map<string, number>();
    const uncosted: Array<{ key: string; reason: string }> = [];
    for (const c of candidates) {
      if (!canCost(c)) {
        uncosted.push({ key: c.key, reason: `HypoPG cannot simulate ${c.method} indexes` });
      } else if (names.size >= max) {
        uncosted.push({ key: c.key, reason: `over the cap of ${max} hypothetical indexes at once` });
      } else {
        try {
          const { rows: made } = await client.query(`${TAG}SELECT indexrelid, indexname FROM ${fn('hypopg_create_index')}($1)`, [
            candidateDdl(c, { concurrently: false }),
          ]);
          names.set(String(made[0].indexname), c.key);
          oids.set(c.key, Number(made[0].indexrelid));
        } catch (e) {
          if (isConnectionLoss(e)) throw e;
          uncosted.push({ key: c.key, reason: `hypopg_create_index failed: ${serverMessage(e)}` });
        }
      }
    }
    return { names, oids, uncosted };
  }

  const reset = (client: PgSession) => client.query(`${TAG}SELECT ${fn('hypopg_reset')}()`);

  async function costSet(queries: WorkloadQuery[], candidates: CandidateIndex[]): Promise<CostSetResult> {
    let res: CostSetResult = { costings: new Map(), failures: new Map() };
    await conn.withClient(async (client) => {
      await reset(client);
      try {
        const built = await build(client, candidates);
        await beginCosting(client, { readOnly: true, statementTimeoutMs: opts.statementTimeoutMs, versionNum });
        try {
          res = await costQueries(client, queries, built, versionNum, () => plansMade++);
        } finally {
          await rollback(client);
        }
      } finally {
        await reset(client);
      }
    });
    return res;
  }

  async function estimateSizes(candidates: CandidateIndex[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    for (let i = 0; i < candidates.length; i += max) {
      await conn.withClient(async (client) => {
        await reset(client);
        try {
          const { oids } = await build(client, candidates.slice(i, i + max));
          for (const [key, oid] of oids) {
            const { rows: r } = await client.query(`${TAG}SELECT ${fn('hypopg_relation_size')}($1)::float8 AS size`, [oid]);
            sizes.set(key, Number(r[0].size));
          }
        } finally {
          await reset(client);
        }
      });
    }
    return sizes;
  }

  return makeCoster({
    method: 'hypopg',
    plansMade: () => plansMade,
    canCost,
    costSet,
    estimateSizes,
  });
}
