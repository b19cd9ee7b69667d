// The `db` commands: explain, indexes, slow, analyze.
import type { Command } from 'commander';
import { collect, dbOptions, examples, type Action } from './common.js';

export function registerDb(program: Command, action: Action): void {
  const db = program.command('db').description('PostgreSQL: explain plans, index advice, slow queries, health').exitOverride();
  dbOptions(
    db
      .command('explain')
      .description('run EXPLAIN safely, or lint a saved plan offline; diagnostics by rule')
      .argument('[sql]', 'one SQL statement (or use --file / --plan)')
      .option('--file <file>', 'read the statement from a .sql file')
      .option('--plan <file>', "lint a saved plan offline: EXPLAIN's JSON or text output ('-' for stdin)")
      .option('--analyze', 'EXPLAIN ANALYZE with BUFFERS, inside a transaction that is always rolled back')
      .option('--params <values>', 'values for $1, $2…: a JSON array or a comma-separated list')
      .option('--allow-writes', 'allow --analyze of INSERT/UPDATE/DELETE/MERGE (still rolled back)')
      .option('--compare <plan>', 'diff against a saved plan (the "before"), node by node')
      .option('--save-plan <file>', 'write the captured plan as EXPLAIN JSON, for a later --compare'),
  )
    .addHelpText('after', examples([
      'perfkit db explain "SELECT * FROM orders WHERE status = \'open\' ORDER BY created_at" --db postgres://app@db/shop',
      'perfkit db explain --file slow.sql --analyze --save-plan before.json',
      'perfkit db explain "SELECT * FROM orders WHERE customer_id = $1" --params 42 --analyze',
      'perfkit db explain --plan plan.json                  # offline: no database needed',
      'psql -XAtc "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ..." | perfkit db explain --plan -',
      'perfkit db explain --file slow.sql --analyze --compare before.json --threshold "executionMs<50"',
    ]))
    .action(action('db explain', () => import('../../db/explain/command.js')));

  dbOptions(
    db
      .command('analyze')
      .description('the database health report: slow queries, plan diagnostics, index advice and health, health checks, one score')
      .option('--top <n>', 'how many pg_stat_statements queries to report', '20')
      .option('--slow-ms <ms>', 'a query is slow from this mean time (pghero: 20)', '20')
      .option('--slow-calls <n>', '… and this many calls', '1')
      .option('--plans <n>', 'lint the generic plans of this many of the slowest queries', '5')
      .option('--method <method>', 'index costing: auto, hypopg, trial or heuristic', 'auto'),
  )
    .addHelpText('after', examples([
      'perfkit db analyze --db postgres://app@db/shop',
      'perfkit db analyze --format markdown >> "$GITHUB_STEP_SUMMARY"',
      'perfkit db analyze --threshold "score>=80" --threshold "cacheHitRatio>=0.99"',
      'perfkit db analyze --verbose --format json     # evidence includes the SQL behind each check',
    ]))
    .action(action('db analyze', () => import('../../db/analyze/command.js')));

  dbOptions(
    db
      .command('indexes')
      .description('index recommendations for a workload (HypoPG, trial or heuristic costing) and index health')
      .option('--query <sql>', 'a query to analyse (repeatable); default: the top of pg_stat_statements', collect)
      .option('--file <file>', 'a .sql file of queries separated by ;')
      .option('--top <n>', 'how many pg_stat_statements queries to analyse, by total time', '100')
      .option('--min-calls <n>', 'only pg_stat_statements queries called at least this often', '1')
      .option('--min-mean-ms <ms>', 'only pg_stat_statements queries at least this slow on average', '0')
      .option('--method <method>', 'costing: auto, hypopg, trial or heuristic (auto: trial on --trial-db or the embedded server, else HypoPG when created, else heuristic)', 'auto')
      .option('--trial-db <url>', 'a disposable copy to build trial indexes on (takes locks and builds real indexes there)')
      .option('--min-saving <pct>', 'a recommendation must cut a query’s cost by this much (default 50)')
      .option('--min-cost <n>', 'queries cheaper than this planner cost are not worth an index (default 100)')
      .option('--min-rows <n>', 'tables smaller than this are not worth an index (default 1000)')
      .option('--max-columns <n>', 'widest multi-column candidate (default 3)')
      .option('--max-indexes <n>', 'recommend at most this many indexes')
      .option('--replica <url>', 'also read index usage on this replica before calling an index unused (repeatable)', collect)
      .option('--unused-min-size <size>', 'report unused indexes from this size (default 10MB)')
      .option('--create', 'build the recommended indexes with CREATE INDEX CONCURRENTLY, one at a time')
      .option('--yes', 'with --create: do not ask for confirmation'),
  )
    .addHelpText('after', examples([
      'perfkit db indexes --db postgres://app@db/shop                      # top queries of pg_stat_statements',
      'perfkit db indexes --query "SELECT * FROM orders WHERE customer_id = 42" --query "SELECT …"',
      'perfkit db indexes --file workload.sql --method heuristic           # hosted PostgreSQL without HypoPG',
      'perfkit db indexes --trial-db postgres://app@scratch/shop_copy      # cost with real indexes on a copy',
      'perfkit db indexes --replica postgres://app@replica1/shop --format json',
      'perfkit db indexes --create --yes --threshold "recommendations==0"',
    ]))
    .action(action('db indexes', () => import('../../db/indexes/command.js')));

  dbOptions(
    db
      .command('slow')
      .description('slow-query analysis from PostgreSQL logs or pg_stat_statements; `db slow merge a.json b.json` merges saved results')
      .argument('[merge...]', '"merge" followed by saved results (perfkit db slow --format json) to merge exactly')
      .option('--log <file|glob|->', 'a PostgreSQL log: stderr, csvlog or jsonlog, plain or gzip, or - for stdin (repeatable)', collect)
      .option('--prefix <log_line_prefix>', 'the log_line_prefix of stderr logs (default: SHOW log_line_prefix with --db, else inferred)')
      .option('--log-format <format>', 'stderr, csvlog, jsonlog or auto (default: detected)')
      .option('--top <n>', 'how many queries to report', '20')
      .option('--sort <key>', 'logs: total, mean, calls, max, p95, p99, stddev; pg_stat_statements: total, mean, calls, stddev, rows, io', 'total')
      .option('--interval <duration>', 'pg_stat_statements: two snapshots this far apart, and what ran between them')
      .option('--state <file>', 'logs: remember how far each file was read; the next run reads only new lines')
      .option('--threads <n>', 'logs: worker threads (default: the cores, when the input is large enough)'),
  )
    .addHelpText('after', examples([
      "perfkit db slow --db postgres://app@db/shop                          # pg_stat_statements, top 20 by total time",
      'perfkit db slow --db postgres://app@db/shop --interval 60s --sort mean   # what is slow right now',
      "perfkit db slow --log /var/log/postgresql/postgresql-15-main.log --prefix '%m [%p] %q%u@%d '",
      "perfkit db slow --log 'logs/postgresql-*.csv.gz' --format json -o monday.json",
      'zcat old.log.gz | perfkit db slow --log - --sort p95',
      'perfkit db slow --log /var/log/postgresql/pg.log --state /var/lib/perfkit/slow.state   # incremental',
      'perfkit db slow merge monday.json tuesday.json --top 50',
    ]))
    .action(action('db slow', () => import('../../db/slow/command.js')));
}
