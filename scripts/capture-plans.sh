#!/usr/bin/env bash
# Recreates fixtures/pg/plans/: real EXPLAIN output captured from a PostgreSQL server.
#
# Usage: scripts/capture-plans.sh [admin-connection]   (default: $PGHOST/$PGUSER/... as psql reads them)
#   e.g. scripts/capture-plans.sh postgres://postgres@127.0.0.1:5432/postgres
# Builds a scratch database perfkit_fixtures (dropped first, and again at the end unless KEEP_DB=1),
# then captures each case as EXPLAIN (ANALYZE, BUFFERS, VERBOSE, SETTINGS, FORMAT JSON) in <case>.json
# and the same options in text format (as `psql -XAt` prints it) in <case>.txt. A few cases also get the
# text as psql's default aligned output (<case>.psql.txt), ascii border 2 (<case>.border2.txt), unicode
# border 2 (<case>.unicode.txt), and the JSON as psql's aligned output with + marks (<case>.psql-json.txt).
# Those variants are psql rendering the very lines of <case>.txt / <case>.json, so they parse identically.
# Idempotent: run it again to recapture; timings and buffer counts will differ from run to run.
set -euo pipefail

ADMIN=${1:-${PGDATABASE:-postgres}}
DB=perfkit_fixtures
OUT=$(cd "$(dirname "$0")/.." && pwd)/fixtures/pg/plans
mkdir -p "$OUT"

admin() { psql -X -q -v ON_ERROR_STOP=1 -d "$ADMIN" "$@"; }
# Runs SQL from stdin inside the fixtures database.
db() { { printf '\\connect %s\n' "$DB"; cat; } | admin -f - >/dev/null; }

EXPLAIN_OPTS='ANALYZE, BUFFERS, VERBOSE, SETTINGS'
# Every case starts serial, so that only the parallel cases show workers.
BASE="SET max_parallel_workers_per_gather = 0; SET jit = off;"

# capture <name> <setup SQL> <query> [wrap]   wrap=tx runs the statement in a rolled-back transaction
capture() {
  local name=$1 setup=$2 query=$3 wrap=${4:-}
  local begin='' end=''
  if [ "$wrap" = tx ]; then begin='BEGIN;'; end='ROLLBACK;'; fi
  echo "capturing $name" >&2
  db <<SQL
$BASE
$setup
\\pset format unaligned
\\pset tuples_only on
\\o /dev/null
$begin EXPLAIN (ANALYZE) $query; $end
\\o $OUT/$name.json
$begin EXPLAIN ($EXPLAIN_OPTS, FORMAT JSON) $query; $end
\\o $OUT/$name.txt
$begin EXPLAIN ($EXPLAIN_OPTS) $query; $end
\\o
SQL
}

# estimate <name> <setup SQL> <query>: a plan without ANALYZE
estimate() {
  local name=$1 setup=$2 query=$3
  echo "capturing $name" >&2
  db <<SQL
$BASE
$setup
\\pset format unaligned
\\pset tuples_only on
\\o $OUT/$name.json
EXPLAIN (VERBOSE, SETTINGS, FORMAT JSON) $query;
\\o $OUT/$name.txt
EXPLAIN (VERBOSE, SETTINGS) $query;
\\o
SQL
}

# variants <name> <suffix> <psql settings>: psql renders the lines of <name>.txt as a QUERY PLAN result
variants() {
  local name=$1 suffix=$2 psets=$3
  db <<SQL
CREATE TEMP TABLE plan_lines (n serial, line text);
\\copy plan_lines(line) FROM '$OUT/$name.txt' WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')
$psets
\\o $OUT/$name.$suffix.txt
SELECT line AS "QUERY PLAN" FROM plan_lines ORDER BY n;
\\o
SQL
}

# psql_json <name>: psql's default aligned rendering of <name>.json (a one-cell result with + marks)
psql_json() {
  local name=$1
  db <<SQL
\\set plan \`cat $OUT/$name.json\`
\\o $OUT/$name.psql-json.txt
SELECT :'plan' AS "QUERY PLAN";
\\o
SQL
}

admin -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"

echo "building tables" >&2
db <<'SQL'
CREATE TABLE customers (
  id int PRIMARY KEY, name text NOT NULL, city text NOT NULL, country text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO customers
SELECT i, 'customer ' || i, 'city ' || (i % 500), 'country ' || (i % 20), timestamptz '2020-01-01' + i * interval '17 minutes'
FROM generate_series(1, 50000) i;

CREATE TABLE orders (
  id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, status text NOT NULL,
  amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL, note text);
INSERT INTO orders
SELECT i, 1 + (i::bigint * 7919) % 50000,
       CASE WHEN i % 2000 = 0 THEN 'refunded' ELSE (ARRAY['pending','paid','shipped'])[1 + i % 3] END,
       (i % 10000) / 100.0, timestamptz '2024-01-01' + i * interval '30 seconds', md5(i::text)
FROM generate_series(1, 1000000) i;
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_created_at_idx ON orders (created_at);

-- a and b are perfectly correlated: the planner multiplies their selectivities and expects 1 row
CREATE TABLE events (id int, a int, b int, payload text);
INSERT INTO events SELECT i, i % 1000, i % 1000, 'payload ' || i FROM generate_series(1, 1000000) i;

-- index-only scans need an all-visible map; updates after VACUUM make the scan visit the heap
CREATE TABLE readings (id int, sensor int, value int) WITH (autovacuum_enabled = false);
INSERT INTO readings SELECT i, i % 5000, i % 97 FROM generate_series(1, 500000) i;
CREATE INDEX readings_sensor_idx ON readings (sensor);

-- stale statistics: analyzed at 10 000 rows, then grown 20-fold
CREATE TABLE audit_log (id int, kind int, at timestamptz) WITH (autovacuum_enabled = false);
INSERT INTO audit_log SELECT i, i % 10, now() FROM generate_series(1, 10000) i;
ANALYZE audit_log;
INSERT INTO audit_log SELECT i, 3, now() FROM generate_series(10001, 200000) i;

-- nine small tables joined together: planning costs more than running
DO $$ BEGIN FOR i IN 1..9 LOOP
  EXECUTE format('CREATE TABLE dim%s (id int PRIMARY KEY, next_id int, label text)', i);
  EXECUTE format('INSERT INTO dim%s SELECT g, g, ''l'' || g FROM generate_series(1, 100) g', i);
END LOOP; END $$;

VACUUM ANALYZE customers, orders, events, readings;
ALTER TABLE orders SET (autovacuum_enabled = false);
ALTER TABLE events SET (autovacuum_enabled = false);
ANALYZE dim1, dim2, dim3, dim4, dim5, dim6, dim7, dim8, dim9;
UPDATE readings SET value = value + 1 WHERE id % 3 <> 0;
SQL

capture clean "" "SELECT * FROM orders WHERE id = 42"

SEQ_SCAN_FILTER="SELECT id, customer_id, amount FROM orders WHERE status = 'refunded' AND amount > 10"
capture seq-scan-filter "" "$SEQ_SCAN_FILTER"

capture read-heavy "" "SELECT sum(amount) FROM orders"

capture disk-sort "SET work_mem = '4MB';" \
  "SELECT id, customer_id, amount FROM orders ORDER BY amount DESC, id"

COUNTRY_TOTALS="SELECT c.country, count(*), sum(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.country"
capture hash-batches "SET work_mem = '256kB';" "$COUNTRY_TOTALS"

capture hashagg-spill "SET work_mem = '256kB'; SET enable_sort = off; SET enable_indexscan = off; SET enable_bitmapscan = off;" \
  "SELECT customer_id, count(*), sum(amount) FROM orders GROUP BY customer_id"

capture misestimate "" "SELECT id, payload FROM events WHERE a = 7 AND b = 7"

capture lossy-bitmap "SET work_mem = '64kB'; SET enable_indexscan = off; SET enable_seqscan = off;" \
  "SELECT count(*), sum(amount) FROM orders WHERE created_at >= '2024-02-01' AND created_at < '2024-03-15'"

capture heap-fetches "SET enable_bitmapscan = off; SET enable_seqscan = off;" \
  "SELECT sensor FROM readings WHERE sensor BETWEEN 100 AND 2000"

capture nested-loop "SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_memoize = off; SET join_collapse_limit = 1;" \
  "SELECT c.id, count(o.id) FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id <= 20000 GROUP BY c.id"

capture parallel "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;" \
  "SELECT status, count(*), sum(amount) FROM orders GROUP BY status"

capture workers-not-launched "SET max_parallel_workers_per_gather = 2; SET max_parallel_workers = 0; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;" \
  "SELECT status, count(*), sum(amount) FROM orders GROUP BY status"

capture jit "SET jit = on; SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0;" \
  "SELECT status, count(*), sum(amount), avg(amount) FROM orders WHERE id < 20000 GROUP BY status"

capture large-offset "" "SELECT id, status, amount FROM orders ORDER BY created_at OFFSET 200000 LIMIT 20"

capture never-executed "" \
  "SELECT c.name, o.id, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = -1"

# nine tables whose join keys are all equal: the planner weighs every join order
capture planning-dominates "SET join_collapse_limit = 12; SET from_collapse_limit = 12; SET geqo_threshold = 20;" \
  "SELECT d1.label, d9.label FROM dim1 d1, dim2 d2, dim3 d3, dim4 d4, dim5 d5, dim6 d6, dim7 d7, dim8 d8, dim9 d9 WHERE d1.id = 5 AND d2.next_id = d1.next_id AND d3.next_id = d1.next_id AND d4.next_id = d1.next_id AND d5.next_id = d1.next_id AND d6.next_id = d1.next_id AND d7.next_id = d1.next_id AND d8.next_id = d1.next_id AND d9.next_id = d1.next_id"

capture cte-subplan "" \
  "WITH big AS MATERIALIZED (SELECT customer_id, sum(amount) AS total FROM orders WHERE created_at < '2024-01-05' GROUP BY customer_id) SELECT c.name, b.total, (SELECT count(*) FROM orders o2 WHERE o2.customer_id = c.id) AS n FROM big b JOIN customers c ON c.id = b.customer_id WHERE b.total > (SELECT avg(total) FROM big) ORDER BY b.total DESC LIMIT 50"

capture fk-triggers "" \
  "INSERT INTO orders (id, customer_id, status, amount, created_at) SELECT i, 1 + i % 50000, 'pending', 1, now() FROM generate_series(2000001, 2005000) i" tx

capture stale-stats "" "SELECT count(*) FROM audit_log WHERE kind = 3"

estimate estimate-only "" "$COUNTRY_TOTALS"

# "after" plans for comparePlans: the fixes the rules suggest, applied
capture hash-batches.after-work-mem "SET work_mem = '8MB';" "$COUNTRY_TOTALS"
db <<'SQL'
CREATE INDEX orders_status_amount_idx ON orders (status, amount);
ANALYZE orders;
SQL
capture seq-scan-filter.after-index "" "$SEQ_SCAN_FILTER"

echo "capturing table statistics" >&2
db <<SQL
SELECT pg_stat_force_next_flush();
\\pset format unaligned
\\pset tuples_only on
\\o $OUT/stale-stats.tables.json
SELECT jsonb_pretty(jsonb_agg(jsonb_build_object(
  'relation', relname, 'schema', schemaname, 'nLiveTup', n_live_tup, 'nModSinceAnalyze', n_mod_since_analyze,
  'lastAnalyze', last_analyze, 'lastAutoanalyze', last_autoanalyze) ORDER BY relname))
FROM pg_stat_user_tables WHERE relname IN ('audit_log', 'orders', 'customers');
\\o
SQL

variants hash-batches psql '\pset format aligned'
variants parallel border2 '\pset format aligned
\pset border 2'
variants cte-subplan unicode '\pset format aligned
\pset border 2
\pset linestyle unicode'
psql_json disk-sort

if [ "${KEEP_DB:-}" != 1 ]; then admin -c "DROP DATABASE $DB"; fi
echo "done: $OUT" >&2
