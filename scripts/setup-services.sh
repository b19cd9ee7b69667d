#!/usr/bin/env bash
# Installs and starts the services perfkit's tests need, on Debian/Ubuntu as root without systemd.
# Idempotent: a second run only checks, and takes a few seconds. One line per step, saying what it did.
#
#   bash scripts/setup-services.sh
#
# Tests read PERFKIT_TEST_PG_URL (default postgres://perfkit:perfkit@127.0.0.1:5432/perfkit_test) and
# PERFKIT_TEST_REDIS_URL (default redis://127.0.0.1:6379); see test/helpers/services.ts.
# Varnish is only installed: the HTTP cache-warm tests start their own varnishd on free ports
# (test/helpers/varnish.ts). nginx with ngx_cache_purge likewise: the cdn purge tests start their own
# nginx on free ports with a conf in a temp dir (test/helpers/nginx.ts). Chromium likewise: each Lighthouse
# run launches its own.
#
# Adding a service: write `pkgs_<name>` (echo its Debian packages) and `setup_<name>` (start it if it
# does not answer), then add <name> to SERVICES.
set -Eeuo pipefail
trap 'echo "setup-services: failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

SERVICES=(postgres redis varnish nginx chromium)

PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-main}
PG_PORT=${PG_PORT:-5432}
PG_ROLE=perfkit
PG_PASSWORD=perfkit
PG_DB=perfkit_test
REDIS_PORT=${REDIS_PORT:-6379}

export DEBIAN_FRONTEND=noninteractive
T0=$(date +%s.%N)

step() { printf '%-10s %-28s %s\n' "[$1]" "$2" "$3"; }
die() { step "$1" "$2" "FAILED: $3" >&2; exit 1; }
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]; }
# wait_for <seconds> <command...>: polls every 0.2 s.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# ---------------------------------------------------------------- packages
# Only what is missing is installed: naming postgresql-15 explicitly would upgrade the server
# under the running cluster (research/toolchain.md §2).
pkgs_postgres() { echo "postgresql-$PG_VERSION postgresql-contrib postgresql-$PG_VERSION-hypopg"; }
pkgs_redis() { echo "redis-server redis-tools"; }
# varnishd compiles VCL with cc: the package depends on gcc and libc6-dev, so --no-install-recommends is enough.
pkgs_varnish() { echo "varnish"; }
# nginx-light/-core would do too; the purge module is FRiCKLE ngx_cache_purge 2.3 (Debian 1:2.3-4).
pkgs_nginx() { echo "nginx libnginx-mod-http-cache-purge"; }
# Debian's Chromium for `perfkit lighthouse`; a font so that text paints (FCP, LCP) in headless pages.
pkgs_chromium() { echo "chromium fonts-liberation"; }

ensure_packages() {
  local wanted=() missing=() p s
  for s in "${SERVICES[@]}"; do
    for p in $("pkgs_$s"); do wanted+=("$p"); done
  done
  for p in "${wanted[@]}"; do installed "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -eq 0 ]; then
    step apt packages "skipped: all ${#wanted[@]} installed"
    return
  fi
  [ "$(id -u)" -eq 0 ] || die apt packages "need root to install ${missing[*]}"
  local log
  log=$(mktemp)
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    die apt packages "could not install ${missing[*]}"
  fi
  rm -f "$log"
  step apt packages "installed ${missing[*]}"
}

# ---------------------------------------------------------------- postgres
PG_CONF_CHANGED=0
PG_NEEDS_RESTART=0

as_postgres() { runuser -u postgres -- "$@"; }
psql_su() { as_postgres psql -X -q -At -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"; }
pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

# pg_set <name> <value> <restart|reload>: writes postgresql.conf only when the value differs.
pg_set() {
  local current
  current=$(pg_conftool -s "$PG_VERSION" "$PG_CLUSTER" show "$1" 2>/dev/null || true)
  if [ "$current" = "$2" ]; then
    step postgres "$1" "unchanged ($2)"
    return
  fi
  pg_conftool "$PG_VERSION" "$PG_CLUSTER" set "$1" "$2"
  PG_CONF_CHANGED=1
  [ "$3" = restart ] && PG_NEEDS_RESTART=1
  step postgres "$1" "set to $2 (was ${current:-unset})"
}

# Adds a `host all perfkit 127.0.0.1/32 scram-sha-256` line before the first rule, so a wrong
# password is rejected even where the rest of the file trusts 127.0.0.1. Other lines stay as they are.
PG_HBA_NOTE='# perfkit tests: a wrong password must be rejected for this role'
pg_hba() {
  local hba="/etc/postgresql/$PG_VERSION/$PG_CLUSTER/pg_hba.conf"
  local rule="host    all    $PG_ROLE    127.0.0.1/32    scram-sha-256"
  local ours="^[[:space:]]*host[[:space:]]+all[[:space:]]+$PG_ROLE[[:space:]]+127\.0\.0\.1/32[[:space:]]+scram-sha-256"
  local rules='^[[:space:]]*(local|host|hostssl|hostnossl|hostgssenc|hostnogssenc)[[:space:]]'
  local first at
  first=$(grep -nE "$rules" "$hba" | head -1 | cut -d: -f1 || true)
  at=$(grep -nE "$ours" "$hba" | head -1 | cut -d: -f1 || true)
  if [ -n "$at" ] && [ "$at" = "$first" ]; then
    step postgres pg_hba.conf "unchanged (scram for $PG_ROLE@127.0.0.1 is the first rule)"
    return
  fi
  [ -e "$hba.perfkit.bak" ] || cp -p "$hba" "$hba.perfkit.bak"
  # Our line exists but another rule was put before it: move it (and its note) back to the top.
  sed -i -E "\|$ours|d; \|^$PG_HBA_NOTE\$|d" "$hba"
  first=$(grep -nE "$rules" "$hba" | head -1 | cut -d: -f1 || true)
  if [ -n "$first" ]; then
    sed -i "${first}i $PG_HBA_NOTE\n$rule" "$hba"
  else
    printf '%s\n%s\n' "$PG_HBA_NOTE" "$rule" >>"$hba"
  fi
  PG_CONF_CHANGED=1
  step postgres pg_hba.conf "put scram for $PG_ROLE@127.0.0.1 before the other rules (original: $hba.perfkit.bak)"
}

setup_postgres() {
  if pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {f=1} END {exit !f}'; then
    step postgres cluster "exists ($PG_VERSION/$PG_CLUSTER)"
  else
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER" -p "$PG_PORT" >/dev/null
    step postgres cluster "created $PG_VERSION/$PG_CLUSTER on port $PG_PORT"
  fi

  pg_set port "$PG_PORT" restart
  local listen
  listen=$(pg_conftool -s "$PG_VERSION" "$PG_CLUSTER" show listen_addresses 2>/dev/null || echo localhost)
  case ",${listen// /}," in
    *,localhost,* | *,127.0.0.1,* | *,\*,*) step postgres listen_addresses "unchanged ($listen)" ;;
    *) pg_set listen_addresses "${listen:+$listen,}127.0.0.1" restart ;;
  esac
  # Keep any other preloaded library; add pg_stat_statements.
  local preload
  preload=$(pg_conftool -s "$PG_VERSION" "$PG_CLUSTER" show shared_preload_libraries 2>/dev/null || true)
  preload=${preload// /}
  case ",$preload," in
    *,pg_stat_statements,*) pg_set shared_preload_libraries "$preload" restart ;;
    *) pg_set shared_preload_libraries "${preload:+$preload,}pg_stat_statements" restart ;;
  esac
  pg_set pg_stat_statements.track all reload
  pg_set compute_query_id on reload
  pg_hba

  if ! pg_up; then
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" restart
    step postgres server "started"
  elif [ "$PG_NEEDS_RESTART" -eq 1 ] || ! psql_su -c 'SHOW shared_preload_libraries' | grep -q pg_stat_statements; then
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" restart
    step postgres server "restarted (shared_preload_libraries or port changed)"
  elif [ "$PG_CONF_CHANGED" -eq 1 ]; then
    pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" reload
    step postgres server "reloaded"
  else
    step postgres server "running, nothing to reload"
  fi
  wait_for 30 pg_up || die postgres server "not accepting connections on 127.0.0.1:$PG_PORT after 30 s (see /var/log/postgresql/)"

  if [ "$(psql_su -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" = 1 ]; then
    # Resetting the password is cheap and repairs a role left with another one (or an md5 hash).
    psql_su -c "SET password_encryption = 'scram-sha-256'; ALTER ROLE $PG_ROLE LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'"
    step postgres "role $PG_ROLE" "exists (login, superuser, password reset)"
  else
    psql_su -c "SET password_encryption = 'scram-sha-256'; CREATE ROLE $PG_ROLE LOGIN SUPERUSER PASSWORD '$PG_PASSWORD'"
    step postgres "role $PG_ROLE" "created (login, superuser)"
  fi
  if [ "$(psql_su -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" = 1 ]; then
    step postgres "database $PG_DB" "exists"
  else
    psql_su -c "CREATE DATABASE $PG_DB OWNER $PG_ROLE"
    step postgres "database $PG_DB" "created (owner $PG_ROLE)"
  fi
  local ext
  for ext in pg_stat_statements hypopg; do
    if [ "$(psql_su -d "$PG_DB" -c "SELECT 1 FROM pg_extension WHERE extname = '$ext'")" = 1 ]; then
      step postgres "extension $ext" "exists in $PG_DB"
    else
      psql_su -d "$PG_DB" -c "CREATE EXTENSION IF NOT EXISTS $ext"
      step postgres "extension $ext" "created in $PG_DB"
    fi
  done

  # Prove what the tests rely on: the password works over TCP, and a wrong one is refused.
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -At -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$PG_DB" -c 'SELECT 1' >/dev/null 2>&1 ||
    die postgres login "$PG_ROLE cannot log in over TCP with its password"
  if PGPASSWORD=wrong-password PGCONNECT_TIMEOUT=5 psql -X -At -h 127.0.0.1 -p "$PG_PORT" -U "$PG_ROLE" -d "$PG_DB" -c 'SELECT 1' >/dev/null 2>&1; then
    die postgres login "a wrong password was accepted for $PG_ROLE: check pg_hba.conf"
  fi
  step postgres login "ok: password accepted, wrong password refused (127.0.0.1:$PG_PORT)"
}

# ---------------------------------------------------------------- redis
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

setup_redis() {
  if redis_up; then
    step redis server "running (PONG on 127.0.0.1:$REDIS_PORT)"
    return
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no >/dev/null
  wait_for 10 redis_up || die redis server "no PONG on 127.0.0.1:$REDIS_PORT after 10 s"
  step redis server "started on 127.0.0.1:$REDIS_PORT"
}

# ---------------------------------------------------------------- varnish
# Nothing to start: each test runs its own varnishd (-n <tmp dir>, -a 127.0.0.1:<free port>). A varnishd
# the package may have started on :6081 is left alone.
setup_varnish() {
  command -v varnishd >/dev/null 2>&1 || [ -x /usr/sbin/varnishd ] || die varnish binary "varnishd not found after installing the varnish package"
  local v
  v=$(PATH="$PATH:/usr/sbin" varnishd -V 2>&1 | head -1)
  step varnish binary "ok: ${v:-varnishd}"
}

# ---------------------------------------------------------------- nginx
# Nothing to start: each test runs its own nginx (-p <tmp dir> -c <tmp conf>, 127.0.0.1:<free port>) and
# loads the purge module itself. An nginx the package may have started on :80 is left alone.
NGINX_PURGE_MODULE=/usr/lib/nginx/modules/ngx_http_cache_purge_module.so
setup_nginx() {
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || die nginx binary "nginx not found after installing the nginx package"
  [ -f "$NGINX_PURGE_MODULE" ] || die nginx purge-module "$NGINX_PURGE_MODULE missing (package libnginx-mod-http-cache-purge)"
  local v
  v=$(PATH="$PATH:/usr/sbin" nginx -v 2>&1 | head -1)
  step nginx binary "ok: ${v#nginx version: }, purge module $NGINX_PURGE_MODULE"
}

# ---------------------------------------------------------------- chromium
# Nothing to start: each Lighthouse run launches its own headless Chromium with a fresh profile
# (src/connectors/chrome.ts). Checked by asking the binary its version.
setup_chromium() {
  [ -x /usr/bin/chromium ] || die chromium binary "/usr/bin/chromium not found after installing the chromium package"
  local v
  v=$(/usr/bin/chromium --version 2>/dev/null | head -1) || die chromium binary "/usr/bin/chromium --version failed"
  step chromium binary "ok: ${v:-chromium}"
}

# ---------------------------------------------------------------- main
ensure_packages
for s in "${SERVICES[@]}"; do "setup_$s"; done
step done "" "in $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }')"
