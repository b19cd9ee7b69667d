// Which costing method, and the Coster for it: shared by `db indexes`, `db analyze` and the demo.
// auto: trial indexes where a disposable database is at hand (--trial-db, the embedded server), else
// HypoPG when it is created, else the pg_stats heuristic. Costers are imported only when used.
import type { PgConnection } from '../../../connectors/postgres.js';
import type { CosterFactory } from '../advisor/advise.js';
import type { Catalog, CostMethod } from '../model.js';

export function autoMethod(o: { disposable: boolean; hypopg: boolean }): CostMethod {
  return o.disposable ? 'trial' : o.hypopg ? 'hypopg' : 'heuristic';
}

export function costerFactory(
  method: CostMethod,
  conn: PgConnection,
  catalog: Catalog,
  timeouts: { statementTimeoutMs: number; lockTimeoutMs: number },
  trialConn: PgConnection = conn,
): CosterFactory {
  return async (predicatesFor) => {
    if (method === 'hypopg') return (await import('./hypopg.js')).createHypopgCoster(conn, { statementTimeoutMs: timeouts.statementTimeoutMs });
    if (method === 'trial') return (await import('./trial.js')).createTrialCoster(trialConn, timeouts);
    return (await import('./heuristic.js')).createHeuristicCoster(catalog, predicatesFor);
  };
}
