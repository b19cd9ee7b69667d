// Costing with real indexes on a disposable database (--trial-db <url>, or the embedded server of
// `perfkit demo`): per set, BEGIN; CREATE INDEX perfkit_trial_<n> …; EXPLAIN each query; ROLLBACK.
// DDL is transactional, so nothing stays behind; but each CREATE INDEX reads the whole table and holds
// a SHARE lock on it (writers wait) until the rollback: never point --trial-db at a production primary.
// The trial database should hold the same schema and representative data: its costs are the ones used.
// On the embedded server (one shared session) everything runs in one transaction with SET LOCAL only,
// and PostgreSQL 16+ there makes generic plans without PREPARE.
import { isConnectionLoss, type PgConnection, type PgSession } from '../../../connectors/postgres.js';
import { candidateDdl } from '../advisor/ddl.js';
import type { CandidateIndex, WorkloadQuery } from '../model.js';
import { makeCoster, type Coster, type CostSetResult } from './coster.js';
import { beginCosting, costQueries, rollback, serverMessage, TAG } from './explain-runner.js';

export interface TrialOptions {
  /** Per EXPLAIN and per CREATE INDEX (the embedded server cannot enforce it). */
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

let trialSeq = 0;

export function createTrialCoster(conn: PgConnection, opts: TrialOptions): Coster {
  const versionNum = conn.info.versionNum;
  let plansMade = 0;
  const sizes = new Map<string, number>();

  /** Builds the candidates inside the open transaction; returns index name → key, and what failed. */
  async function build(client: PgSession, candidates: CandidateIndex[]) {
    const names = new Map<string, string>();
    const uncosted: Array<{ key: string; reason: string }> = [];
    for (const c of candidates) {
      const name = `perfkit_trial_${++trialSeq}`;
      await client.query('SAVEPOINT perfkit_build');
      try {
        await client.query(`${TAG}${candidateDdl(c, { concurrently: false, name })}`);
        const { rows } = await client.query(`${TAG}SELECT pg_relation_size(c.oid)::float8 AS size FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1 AND n.nspname = $2`, [name, c.schema]);
        if (rows[0]) sizes.set(c.key, Number(rows[0].size));
        await client.query('RELEASE SAVEPOINT perfkit_build');
        names.set(name, c.key);
      } catch (e) {
        if (isConnectionLoss(e)) throw e;
        await client.query('ROLLBACK TO SAVEPOINT perfkit_build');
        uncosted.push({ key: c.key, reason: `CREATE INDEX failed: ${serverMessage(e)}` });
      }
    }
    return { names, uncosted };
  }

  async function costSet(queries: WorkloadQuery[], candidates: CandidateIndex[]): Promise<CostSetResult> {
    let res: CostSetResult = { costings: new Map(), failures: new Map() };
    await conn.withClient(async (client) => {
      await beginCosting(client, { readOnly: false, statementTimeoutMs: opts.statementTimeoutMs, lockTimeoutMs: opts.lockTimeoutMs, versionNum });
      try {
        res = await costQueries(client, queries, await build(client, candidates), versionNum, () => plansMade++);
      } finally {
        await rollback(client);
      }
    });
    return res;
  }

  return makeCoster({
    method: 'trial',
    plansMade: () => plansMade,
    canCost: () => true,
    costSet,
    estimateSizes: async (candidates) => {
      const missing = candidates.filter((c) => !sizes.has(c.key));
      if (missing.length) await costSet([], missing);
      return new Map(candidates.filter((c) => sizes.has(c.key)).map((c) => [c.key, sizes.get(c.key)!]));
    },
  });
}
