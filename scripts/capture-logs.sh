#!/usr/bin/env bash
# Recreates fixtures/pg/logs/: real PostgreSQL 15 server logs of a known workload (see its README.md).
#
# Usage (as root, on a Debian host with postgresql-15): scripts/capture-logs.sh
# Creates a throwaway cluster 15/perfkitlogs on port 5439 (never touches 15/main), runs the same workload
# once per logging configuration, copies each run's log files into fixtures/pg/logs/, checks the counts
# with grep against the workload's own numbers, and drops the cluster at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/fixtures/pg/logs
VER=15 NAME=perfkitlogs PORT=5439
CONF=/etc/postgresql/$VER/$NAME/conf.d/perfkit.conf
DATA=/var/lib/postgresql/$VER/$NAME
DB=perfkit_logs
mkdir -p "$OUT"

cleanup() { pg_dropcluster "$VER" "$NAME" --stop 2>/dev/null || true; }
trap cleanup EXIT
cleanup
pg_createcluster "$VER" "$NAME" -p "$PORT" -- --auth=trust >/dev/null

# pg_ctl itself, not pg_ctlcluster: Debian's wrapper probes readiness with psql, which would add sessions to the log.
PG_CTL=/usr/lib/postgresql/$VER/bin/pg_ctl
start() { su postgres -c "$PG_CTL start -w -s -D /etc/postgresql/$VER/$NAME -l /dev/null"; }
stop() { su postgres -c "$PG_CTL stop -w -s -m fast -D $DATA"; }
psql_() { psql -X -q -h /var/run/postgresql -p "$PORT" -U postgres "$@"; }

# configure <run> <prefix> <timezone> [extra settings...]: the logging settings of one run
configure() {
  local run=$1 prefix=$2 tz=$3; shift 3
  cat >"$CONF" <<EOF
listen_addresses = '127.0.0.1'
logging_collector = on
log_destination = 'stderr,csvlog,jsonlog'
log_directory = 'log'
log_filename = '$run.log'
log_rotation_size = 0
log_rotation_age = 0
log_line_prefix = '$prefix'
log_timezone = '$tz'
log_min_duration_statement = 0
log_checkpoints = on
log_autovacuum_min_duration = 0
log_temp_files = 0
log_lock_waits = on
deadlock_timeout = '200ms'
log_connections = on
log_disconnections = on
checkpoint_timeout = '1h'
autovacuum_naptime = 1
autovacuum_vacuum_threshold = 1000000
autovacuum_analyze_threshold = 1000000
autovacuum_vacuum_insert_threshold = -1
shared_preload_libraries = 'auto_explain'
auto_explain.log_min_duration = '250ms'
EOF
  local kv
  for kv in "$@"; do echo "$kv" >>"$CONF"; done
}

# The workload. Every number below is written into expected.json.
workload() {
  local logfile=$1
  # 1. setup: 7 statements
  psql_ -d "$DB" <<'SQL'
DROP TABLE IF EXISTS items, dead_rows;
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL);
INSERT INTO items SELECT g, 'item ' || g, g % 10 FROM generate_series(1, 10000) g;
ANALYZE items;
CREATE TABLE dead_rows (id int, v text) WITH (autovacuum_enabled = false);
INSERT INTO dead_rows SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g;
DELETE FROM dead_rows WHERE id % 2 = 0;
SQL
  # 2. 100 point selects with different literals
  for k in $(seq 1 100); do echo "SELECT name, qty FROM items WHERE id = $((k * 7));"; done | psql_ -d "$DB" >/dev/null
  # 3. a multi-line statement, 3 times, and one 10,000-character statement
  { for _ in 1 2 3; do printf 'SELECT qty,\n       count(*) AS n\n  FROM items\n WHERE id <= 500\n GROUP BY qty\n ORDER BY qty;\n'; done
    printf "SELECT length('%s') AS long_literal;\n" "$(head -c 10000 /dev/zero | tr '\0' x)"; } | psql_ -d "$DB" >/dev/null
  # 4. PREPARE, 10 EXECUTEs, DEALLOCATE: 12 statements
  { echo 'PREPARE by_qty(int) AS SELECT count(*) FROM items WHERE qty = $1;'
    for k in $(seq 1 10); do echo "EXECUTE by_qty($((k % 10)));"; done
    echo 'DEALLOCATE by_qty;'; } | psql_ -d "$DB" >/dev/null
  # 5. extended protocol: 10 unnamed + 10 named executes with parameters (over TCP)
  node "$ROOT/scripts/capture-logs-extended.mjs" "postgres://postgres@127.0.0.1:$PORT/$DB"
  # 6. two slow queries (auto_explain)
  psql_ -d "$DB" -c 'SELECT count(*), pg_sleep(0.3) FROM items WHERE qty = 3' -c 'SELECT count(*), pg_sleep(0.3) FROM items WHERE qty = 4' >/dev/null
  # 7. a sort that spills to a temporary file: 2 statements
  psql_ -d "$DB" -c "SET work_mem = '64kB'" -c 'SELECT id, name FROM items ORDER BY name DESC, id' >/dev/null
  # 8. a lock wait: A holds the row for 2 s (client side), B waits for it
  { echo 'BEGIN;'; echo 'UPDATE items SET qty = qty WHERE id = 1;'; echo '\! sleep 2'; echo 'COMMIT;'; } | psql_ -d "$DB" &
  sleep 0.7
  psql_ -d "$DB" -c 'UPDATE items SET qty = qty + 0 WHERE id = 1' >/dev/null
  wait
  # 9. errors: 4 ERRORs in one session, and a FATAL
  psql_ -d "$DB" 2>/dev/null <<'SQL' || true
SELECT * FROM no_such_table;
SELECT 1/0;
INSERT INTO items VALUES (1, 'dup', 1);
SELEC 1;
SQL
  psql_ -d no_such_db -c 'SELECT 1' 2>/dev/null || true
  # 10. a checkpoint, and autovacuum on dead_rows
  psql_ -d "$DB" -c 'CHECKPOINT'
  psql_ -d "$DB" -c 'ALTER TABLE dead_rows SET (autovacuum_enabled = true, autovacuum_vacuum_threshold = 10, autovacuum_analyze_threshold = 10)'
  local i
  for i in $(seq 1 60); do
    grep -q 'automatic analyze of table "perfkit_logs.public.dead_rows"' "$logfile" 2>/dev/null && break
    sleep 0.5
  done
}

# run <run> <prefix> <timezone> [extra settings...]: one configuration, one workload, the cluster stopped after
run() {
  local run=$1
  echo "capturing $run" >&2
  configure "$@"
  rm -rf "$DATA/log"
  start
  workload "$DATA/log/$run.log"
  stop
}

# The database, created once outside the captured runs.
configure prep '%m [%p] ' UTC
start
psql_ -d postgres -c "CREATE DATABASE $DB" >/dev/null
stop

DEBIAN='%m [%p] %q%u@%d '
run debian "$DEBIAN" UTC
cp "$DATA/log/debian.log" "$OUT/stderr-debian.log"
cp "$DATA/log/debian.csv" "$OUT/postgresql.csv"
cp "$DATA/log/debian.json" "$OUT/postgresql.json"
run pgbadger '%t [%p]: user=%u,db=%d,app=%a,client=%h ' Europe/Paris
cp "$DATA/log/pgbadger.log" "$OUT/stderr-pgbadger.log"
run plain '%m [%p] ' Etc/GMT+3
cp "$DATA/log/plain.log" "$OUT/stderr-plain.log"
run explainjson "$DEBIAN" UTC "auto_explain.log_format = 'json'"
cp "$DATA/log/explainjson.log" "$OUT/auto-explain-json.log"
run logduration "$DEBIAN" UTC 'log_min_duration_statement = -1' "log_statement = 'all'" 'log_duration = on'
cp "$DATA/log/logduration.log" "$OUT/log-duration.log"
gzip -9 -n -c "$OUT/stderr-debian.log" >"$OUT/stderr-debian.log.gz"
chmod 644 "$OUT"/*

# What the workload did, per run (log_min_duration_statement=0 logs every statement that succeeds).
cat >"$OUT/expected.json" <<'EOF'
{
  "statements": 153,
  "shapes": {
    "SELECT name, qty FROM items WHERE id = ": 100,
    "SELECT qty,\n       count(*) AS n\n  FROM items\n WHERE id <= 500\n GROUP BY qty\n ORDER BY qty;": 3,
    "SELECT length('": 1,
    "EXECUTE by_qty(": 10,
    "SELECT id, name FROM items WHERE id = $1 AND name <> $2": 10,
    "SELECT name FROM items WHERE qty = $1 LIMIT $2": 10,
    "SELECT count(*), pg_sleep(0.3) FROM items WHERE qty = ": 2,
    "UPDATE items SET qty = qty + 0 WHERE id = 1": 1
  },
  "preparedNamed": { "find_item": 10 },
  "plans": 3,
  "errors": { "ERROR": 4, "FATAL": 1 },
  "sqlstates": { "42P01": 1, "22012": 1, "23505": 1, "42601": 1, "3D000": 1 },
  "tempfiles": 1,
  "lockwaits": { "waiting": 1, "acquired": 1 },
  "checkpoints": { "starting": 2, "complete": 2, "reasons": ["immediate force wait", "shutdown immediate"] },
  "autovacuum": { "vacuum": 1, "analyze": 1, "table": "perfkit_logs.public.dead_rows" },
  "connections": { "received": 13, "authorized": 13, "disconnection": 12 }
}
EOF

# Cross-check the expectations with grep, so that a drifting workload fails here and not in the tests.
check() { local file=$1 pattern=$2 want=$3 got; got=$(grep -cE -- "$pattern" "$OUT/$file" || true)
  [ "$got" = "$want" ] || { echo "$file: $got lines match '$pattern', expected $want" >&2; exit 1; }; }
for f in stderr-debian.log stderr-pgbadger.log stderr-plain.log auto-explain-json.log; do
  check "$f" 'duration: [0-9.]+ ms  (statement|execute [^:]+):' 153
  check "$f" 'duration: [0-9.]+ ms  plan:' 3
  check "$f" '(ERROR|FATAL):  ' 5
  check "$f" 'temporary file: ' 1
  check "$f" 'still waiting for' 1
  check "$f" 'checkpoint starting' 2
  check "$f" 'automatic (vacuum|analyze) of table "perfkit_logs.public.dead_rows"' 2
  check "$f" 'connection received' 13
  check "$f" 'connection authorized' 13
  check "$f" 'disconnection: ' 12
done
check log-duration.log 'LOG:  (statement|execute [^:]+): ' 156
echo "fixtures written to $OUT" >&2
