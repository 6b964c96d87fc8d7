#!/usr/bin/env bash
# Runs a PgBouncer in transaction pooling mode in front of the test Postgres,
# so the test suite can run through it (make test-pgbouncer).
#
#   pgbouncer.sh up     start PgBouncer on 127.0.0.1:$POSTBODE_PGBOUNCER_PORT (default
#                       56433), forwarding every database to the server of
#                       POSTBODE_TEST_DATABASE_URL (from .data/env); prints the
#                       URL the tests use as POSTBODE_TEST_POOLER_URL
#   pgbouncer.sh down   stop it
#
# Debian's pgbouncer (services.sh tools-ha installs it) does not keep named
# prepared statements across transactions, so the URL asks pgx for
# default_query_exec_mode=cache_describe (unnamed statements, described once).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="$PWD/.data/pgbouncer"
PORT="${POSTBODE_PGBOUNCER_PORT:-56433}"
log() { printf 'pgbouncer: %s\n' "$*" >&2; }

up() {
  command -v pgbouncer >/dev/null || deploy/dev/services.sh tools-ha
  local url="${POSTBODE_TEST_DATABASE_URL:-}"
  [ -n "$url" ] || url="$(source .data/env; echo "$POSTBODE_TEST_DATABASE_URL")"
  local hp="${url#*://}"; hp="${hp#*@}"; hp="${hp%%/*}"
  local host="${hp%%:*}" port="${hp##*:}"
  [ "$port" != "$hp" ] || port=5432
  mkdir -p "$DATA"
  if [ "$(id -u)" = 0 ]; then chown postgres "$DATA" 2>/dev/null || true; fi
  printf '"postgres" ""\n' > "$DATA/users.txt"
  cat > "$DATA/pgbouncer.ini" <<INI
[databases]
* = host=$host port=$port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $DATA/users.txt
pool_mode = transaction
default_pool_size = 4
max_db_connections = 6
max_user_connections = 40
max_client_conn = 1000
server_idle_timeout = 5
server_lifetime = 60
ignore_startup_parameters = extra_float_digits
logfile = $DATA/pgbouncer.log
pidfile = $DATA/pgbouncer.pid
INI
  down quiet
  local as=(); [ "$(id -u)" != 0 ] || as=(-u postgres)
  pgbouncer -d "${as[@]}" "$DATA/pgbouncer.ini"
  for _ in $(seq 50); do psql "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable" -Atqc 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
  log "transaction pooling on 127.0.0.1:$PORT in front of $host:$port"
  echo "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable&default_query_exec_mode=cache_describe"
}

down() {
  if [ -f "$DATA/pgbouncer.pid" ]; then
    kill "$(cat "$DATA/pgbouncer.pid")" 2>/dev/null || true
    for _ in $(seq 30); do [ -f "$DATA/pgbouncer.pid" ] && kill -0 "$(cat "$DATA/pgbouncer.pid")" 2>/dev/null || break; sleep 0.1; done
    rm -f "$DATA/pgbouncer.pid"
    [ "${1:-}" = quiet ] || log "stopped"
  fi
}

case "${1:-up}" in
  up) up ;;
  down) down "${2:-}" ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
