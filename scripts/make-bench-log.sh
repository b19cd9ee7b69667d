#!/usr/bin/env bash
# Writes a large PostgreSQL stderr log for bench/slow-log.mjs: real PostgreSQL 15, pgbench traffic,
# log_min_duration_statement = 0, log_line_prefix '%m [%p] %q%u@%d ', lc_messages C.
#
#   scripts/make-bench-log.sh [out.log] [target-MB]
#     default out: /tmp/perfkit-bench/pgbench-200mb.log   default target: 200 (MB = 1024*1024 bytes)
#
# Debian, as root, no systemd. Idempotent: an existing out file that is already big enough is reused.
# Installs pgbadger (and pgbench, from postgresql-contrib) only when missing. The log comes from a
# THROWAWAY cluster `15 perfkitbench` on port 5438 (never 15/main): created, loaded with
# `pgbench -i -s 5`, driven with `pgbench -c 4 -j 2 -T …` until the log reaches the target, copied out,
# then stopped and dropped (also on failure or Ctrl-C). The cluster runs with fsync off: it is scratch.
set -Eeuo pipefail
trap 'echo "make-bench-log: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

OUT=${1:-/tmp/perfkit-bench/pgbench-200mb.log}
TARGET_MB=${2:-200}
PG_VERSION=${PG_VERSION:-15}
CLUSTER=${BENCH_CLUSTER:-perfkitbench}
PORT=${BENCH_PORT:-5438}
PREFIX='%m [%p] %q%u@%d '
DB=bench

[[ $TARGET_MB =~ ^[0-9]+$ ]] && [ "$TARGET_MB" -gt 0 ] || { echo "make-bench-log: target-MB must be a positive integer, got '$TARGET_MB'" >&2; exit 2; }
TARGET_BYTES=$((TARGET_MB * 1024 * 1024))
export DEBIAN_FRONTEND=noninteractive
T0=$SECONDS

size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
report() { # report <file> <how>
  local bytes lines
  bytes=$(size_of "$1")
  lines=$(wc -l <"$1")
  printf 'make-bench-log: %s: %s bytes (%.1f MB), %s lines (%s)\n' "$1" "$bytes" "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" "$lines" "$2"
}

mkdir -p "$(dirname "$OUT")"
# One generator at a time (they would share the cluster and port); a second caller waits, then
# reuses the result.
exec 9>/tmp/perfkit-make-bench-log.lock
flock 9

if [ "$(size_of "$OUT")" -ge "$TARGET_BYTES" ]; then
  report "$OUT" "reused: already ≥ $TARGET_MB MB"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "make-bench-log: run as root (it installs packages and creates a scratch cluster)" >&2; exit 2; }

# ---------------------------------------------------------------- packages (only what is missing)
# Naming postgresql-15 itself would upgrade the server under the running main cluster.
missing=()
command -v pgbadger >/dev/null || missing+=(pgbadger)
if ! command -v pgbench >/dev/null && [ ! -x "/usr/lib/postgresql/$PG_VERSION/bin/pgbench" ]; then
  missing+=(postgresql-contrib)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "make-bench-log: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
PGBENCH=/usr/lib/postgresql/$PG_VERSION/bin/pgbench
[ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench)

# ---------------------------------------------------------------- the throwaway cluster
WORK=$(mktemp -d "$(dirname "$OUT")/make-bench-log.XXXXXX")
chown postgres: "$WORK"
PGLOG=$WORK/postgresql.log
PGBENCH_PID=
cleanup() {
  [ -z "$PGBENCH_PID" ] || kill "$PGBENCH_PID" 2>/dev/null || true
  pg_dropcluster "$PG_VERSION" "$CLUSTER" --stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A cluster of this name is only ever a leftover of this script (killed before its trap ran).
if pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { f = 1 } END { exit !f }'; then
  echo "make-bench-log: dropping leftover cluster $PG_VERSION/$CLUSTER"
  pg_dropcluster "$PG_VERSION" "$CLUSTER" --stop
fi
if pg_lsclusters -h | awk -v p="$PORT" '$3 == p { f = 1 } END { exit !f }'; then
  echo "make-bench-log: port $PORT is used by another cluster; set BENCH_PORT" >&2
  exit 3
fi

pg_createcluster "$PG_VERSION" "$CLUSTER" -p "$PORT" -l "$PGLOG" \
  -o "log_min_duration_statement=0" -o "log_line_prefix=$PREFIX" -o "lc_messages=C" \
  -o "logging_collector=off" -o "log_destination=stderr" -o "log_checkpoints=on" \
  -o "fsync=off" -o "synchronous_commit=off" -o "full_page_writes=off" \
  -o "shared_buffers=128MB" -o "max_wal_size=1GB" >/dev/null
pg_ctlcluster "$PG_VERSION" "$CLUSTER" start

as_pg() { runuser -u postgres -- "$@"; }
PGCONN=(-h /var/run/postgresql -p "$PORT")
as_pg psql -X -q "${PGCONN[@]}" -d postgres -c "CREATE DATABASE $DB"
as_pg "$PGBENCH" "${PGCONN[@]}" -i -s 5 -q "$DB" >/dev/null 2>&1
echo "make-bench-log: cluster $PG_VERSION/$CLUSTER on :$PORT initialised (pgbench -i -s 5); log $(size_of "$PGLOG") bytes"

# ---------------------------------------------------------------- drive traffic until the log is big enough
# A short first run measures how fast the log grows; each next run aims a little short of the target
# (so that a slow first estimate does not overshoot by much) until the target is reached.
run_pgbench() { # run_pgbench <seconds>; in the background so that a signal is handled at once
  as_pg "$PGBENCH" "${PGCONN[@]}" -c 4 -j 2 -T "$1" -n "$DB" >"$WORK/pgbench.out" 2>&1 &
  PGBENCH_PID=$!
  wait "$PGBENCH_PID" || {
    cat "$WORK/pgbench.out" >&2
    return 1
  }
  grep -E '^(tps|number of transactions actually processed)' "$WORK/pgbench.out" | tr '\n' ' ' | sed 's/^/make-bench-log:   /'
  echo
}
t=5
while :; do
  before=$(size_of "$PGLOG")
  echo "make-bench-log: pgbench -c 4 -j 2 -T $t (log $((before / 1048576)) of $TARGET_MB MB)"
  run_pgbench "$t"
  after=$(size_of "$PGLOG")
  [ "$after" -lt "$TARGET_BYTES" ] || break
  rate=$(((after - before) / t + 1))
  t=$(((TARGET_BYTES - after) / rate * 92 / 100 + 2))
  [ "$t" -le 600 ] || t=600
done

pg_ctlcluster "$PG_VERSION" "$CLUSTER" stop
cp "$PGLOG" "$OUT.tmp"
chmod 644 "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
report "$OUT" "generated in $((SECONDS - T0)) s"
