#!/usr/bin/env bash
# Brings up Postgres and Redis for `make run` and `make test`.
#
#   services.sh up    reuse servers reachable at POSTBODE_DEV_PG_URL / POSTBODE_DEV_REDIS_URL
#                     (defaults: 127.0.0.1:5432 as postgres, 127.0.0.1:6379); otherwise start
#                     private instances under ./.data on ports 55432 / 56379, installing
#                     postgresql / redis-server with apt-get when missing. Creates the dev
#                     database POSTBODE_DEV_DB (default postbode). Writes .data/env (for
#                     the tests) and .data/postbode.toml (the dev config, see write_config).
#   services.sh tools installs the extra tools the tests use (see tools below).
#   services.sh tools-ha installs what make test-faults' failover tests start by
#                     themselves: redis-server/redis-sentinel, pgbouncer, Postgres server
#                     binaries (a streaming replica is made with pg_basebackup).
#   services.sh key   writes the development server key (.data/secret.key, mode 0600) if missing.
#   services.sh sweep drops the test databases of this checkout (names starting with
#                     POSTBODE_TEST_DB_PREFIX), e.g. what a killed test run left behind.
#   services.sh down  stops the private instances this script started.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="${POSTBODE_DEV_DATA:-$PWD/.data}"
mkdir -p "$DATA"
PG_URL="${POSTBODE_DEV_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
REDIS_URL="${POSTBODE_DEV_REDIS_URL:-redis://127.0.0.1:6379/0}"
DEV_DB="${POSTBODE_DEV_DB:-postbode}"
# Test databases of this checkout start with this prefix, so checkouts sharing
# one Postgres never touch each other's (default: pbt_ and a hash of the path).
TEST_DB_PREFIX="${POSTBODE_TEST_DB_PREFIX:-pbt_$(printf %s "$PWD" | sha256sum | cut -c1-8)_}"
PRIV_PG_PORT=55432
PRIV_REDIS_PORT=56379

log() { printf 'services: %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  log "installing $* with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_ok() { command -v psql >/dev/null && psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }
redis_ok() { command -v redis-cli >/dev/null && [ "$(redis-cli -u "$1" ping 2>/dev/null)" = PONG ]; }

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

start_private_pg() {
  [ -n "$(pg_bindir)" ] || apt_install postgresql
  local bin; bin="$(pg_bindir)"
  local dir="$DATA/pg" user=postgres
  id "$user" >/dev/null 2>&1 || { as_root useradd --system --no-create-home postbode-pg; user=postbode-pg; }
  if [ ! -f "$dir/PG_VERSION" ]; then
    log "initialising a private Postgres in $dir"
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown "$user" "$dir"; fi
    run_as "$user" "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  log "starting the private Postgres on 127.0.0.1:$PRIV_PG_PORT"
  run_as "$user" "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w -o "-p $PRIV_PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  touch "$DATA/pg.started"
  PG_URL="postgres://postgres@127.0.0.1:$PRIV_PG_PORT/postgres?sslmode=disable"
}

# run_as USER CMD...: Postgres refuses to run as root, so drop privileges when root.
run_as() {
  local user="$1"; shift
  if [ "$(id -u)" = 0 ]; then
    if command -v runuser >/dev/null; then runuser -u "$user" -- "$@"; else su -s /bin/sh "$user" -c "$(printf '%q ' "$@")"; fi
  else
    "$@"
  fi
}

start_private_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$DATA/redis"
  log "starting a private Redis on 127.0.0.1:$PRIV_REDIS_PORT (AOF on)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$PRIV_REDIS_PORT" --dir "$DATA/redis" \
    --appendonly yes --appendfsync everysec --pidfile "$DATA/redis/redis.pid" --logfile "$DATA/redis/log"
  for _ in $(seq 50); do redis_ok "redis://127.0.0.1:$PRIV_REDIS_PORT/0" && break; sleep 0.1; done
  touch "$DATA/redis.started"
  REDIS_URL="redis://127.0.0.1:$PRIV_REDIS_PORT/0"
}

up() {
  command -v psql >/dev/null || apt_install postgresql-client
  command -v redis-cli >/dev/null || apt_install redis-tools
  if pg_ok "$PG_URL"; then log "reusing Postgres at ${PG_URL%%\?*}"
  elif pg_ok "postgres://postgres@127.0.0.1:$PRIV_PG_PORT/postgres?sslmode=disable"; then PG_URL="postgres://postgres@127.0.0.1:$PRIV_PG_PORT/postgres?sslmode=disable"; log "reusing the private Postgres"
  else start_private_pg; fi
  if redis_ok "$REDIS_URL"; then log "reusing Redis at $REDIS_URL"
  elif redis_ok "redis://127.0.0.1:$PRIV_REDIS_PORT/0"; then REDIS_URL="redis://127.0.0.1:$PRIV_REDIS_PORT/0"; log "reusing the private Redis"
  else start_private_redis; fi
  [[ "$DEV_DB" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { log "POSTBODE_DEV_DB: lower-case letters, digits and _ only"; exit 2; }
  [[ "$TEST_DB_PREFIX" =~ ^[a-z_][a-z0-9_]{0,29}$ ]] || { log "POSTBODE_TEST_DB_PREFIX: lower-case letters, digits and _ only, at most 30"; exit 2; }
  psql "$PG_URL" -Atqc "select 1 from pg_database where datname='$DEV_DB'" | grep -q 1 || psql "$PG_URL" -qc "CREATE DATABASE $DEV_DB" >/dev/null
  local run_url="${PG_URL/\/postgres\?/\/$DEV_DB?}"
  key
  cat > "$DATA/env" <<ENV
export POSTBODE_TEST_DATABASE_URL='$PG_URL'
export POSTBODE_TEST_REDIS_URL='$REDIS_URL'
export POSTBODE_TEST_DB_PREFIX='$TEST_DB_PREFIX'
export POSTBODE_DATABASE_URL='$run_url'
export POSTBODE_REDIS_URL='$REDIS_URL'
export POSTBODE_SECRETS_KEY_FILE='$DATA/secret.key'
ENV
  write_config "$run_url"
}

# write_config writes .data/postbode.toml: deploy/dev/postbode.dev.toml with
# the database and Redis found above (its file paths, relative to the file,
# rewritten for .data). `make run` serves with it, and postbode
# run from the checkout without --config or POSTBODE_CONFIG uses it too, so
# the ops commands work from any shell.
write_config() {
  {
    echo "# Written by deploy/dev/services.sh from deploy/dev/postbode.dev.toml; edit that one."
    # Moved listeners (POSTBODE_API_LISTEN, ...) are written in too, so ops
    # commands from another shell (invitation links, people.admin_url) use
    # the addresses the daemon serves on.
    local base="${POSTBODE_PUBLIC_BASE_URL:-}"
    if [ -z "$base" ] && [ -n "${POSTBODE_PUBLIC_LISTEN:-}" ]; then
      base="http://localhost:${POSTBODE_PUBLIC_LISTEN##*:}"
    fi
    # The server key and the outbox are this data directory's own; any other
    # relative path (a DKIM key_file, TLS files) is relative to deploy/dev and
    # is rewritten relative to the data directory, where the copy lives.
    local up; up="$(realpath -m --relative-to="$DATA" deploy/dev)"
    awk -v api="${POSTBODE_API_LISTEN:-}" -v pub="${POSTBODE_PUBLIC_LISTEN:-}" \
      -v inb="${POSTBODE_INBOUND_LISTEN:-}" -v base="$base" -v up="$up" '
      /^\[/ { sec = $0 }
      sec == "[secrets]" && /^key_file = / { $0 = "key_file = \"secret.key\""; print; next }
      sec == "[smtp]" && /^capture_dir = / { $0 = "capture_dir = \"outbox\""; print; next }
      /^[a-z_]*(_file|_dir|tls_cert|tls_key) = "[^\/"]/ { sub(/= "/, "= \"" up "/") }
      sec == "[api]" && /^listen = / && api != "" { $0 = "listen = \"" api "\"" }
      sec == "[public]" && /^listen = / && pub != "" { $0 = "listen = \"" pub "\"" }
      sec == "[public]" && /^base_url = / && base != "" { $0 = "base_url = \"" base "\"" }
      sec == "[inbound]" && /^listen = / && inb != "" { $0 = "listen = \"" inb "\"" }
      { print }' deploy/dev/postbode.dev.toml
    # Redis keys carry the dev database's name: checkouts with their own
    # database can share one Redis.
    printf '\n[database]\nurl = "%s"\n\n[redis]\nurl = "%s"\nkey_prefix = "%s"\n' "$1" "$REDIS_URL" "${POSTBODE_REDIS_KEY_PREFIX:-pb:$DEV_DB:}"
  } > "$DATA/postbode.toml"
}

# sweep drops every database whose name starts with the test database prefix
# (the test databases and the migrated template of this checkout). The
# prefix and server come from the environment, else from .data/env.
sweep() {
  local url="${POSTBODE_TEST_DATABASE_URL:-}" prefix="${POSTBODE_TEST_DB_PREFIX:-}"
  if [ -f "$DATA/env" ]; then
    [ -n "$url" ] || url="$(source "$DATA/env"; echo "${POSTBODE_TEST_DATABASE_URL:-}")"
    [ -n "$prefix" ] || prefix="$(source "$DATA/env"; echo "${POSTBODE_TEST_DB_PREFIX:-}")"
  fi
  url="${url:-$PG_URL}" prefix="${prefix:-$TEST_DB_PREFIX}"
  [[ "$prefix" =~ ^[a-z_][a-z0-9_]{0,29}$ ]] || { log "POSTBODE_TEST_DB_PREFIX: lower-case letters, digits and _ only"; exit 2; }
  local n=0 db
  for db in $(psql "$url" -Atqc "select datname from pg_database where left(datname, length('$prefix')) = '$prefix'"); do
    psql "$url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null && n=$((n+1))
  done
  [ "$n" = 0 ] || log "dropped $n test database(s) named $prefix*"
}

# tools installs what the test suite uses beyond Postgres and Redis, when
# missing: libcrypto headers (the openssl signing build), Chromium (browser test
# of the recipient pages), pdftotext (export report test), promtool (alert rules),
# wrk (HTTP load generator of the recipient-pages benchmark), dkimpy (Debian's
# python3-dkim with python3-nacl for Ed25519: a DKIM verifier independent of
# postbode's, run on campaign mail by the interop tests), Postfix (installed
# without a configuration; the interop tests run private instances of it on
# loopback ports as a receiving MTA and as the author of real DSNs).
# A tool that cannot be installed is reported; the tests that need it say so.
tools() {
  local want=()
  [ -f /usr/include/openssl/evp.h ] || want+=(libssl-dev)
  command -v gcc >/dev/null || want+=(gcc)
  command -v chromium >/dev/null || want+=(chromium)
  command -v pdftotext >/dev/null || want+=(poppler-utils)
  command -v promtool >/dev/null || want+=(prometheus)
  command -v wrk >/dev/null || want+=(wrk)
  /usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null || want+=(python3-dkim python3-nacl)
  if [ ! -x /usr/sbin/postfix ]; then
    # Installed unconfigured: no system mail server is set up or started;
    # the tests start private instances of their own.
    echo "postfix postfix/main_mailer_type select No configuration" | as_root debconf-set-selections
    want+=(postfix)
  fi
  [ ${#want[@]} -eq 0 ] && return 0
  apt_install "${want[@]}" || log "could not install ${want[*]}; the tests that need them fail under make test"
}

# tools_ha installs the servers the failover tests (make test-faults) start
# on loopback ports of their own: Redis (with Sentinel and Cluster), PgBouncer
# and the Postgres server binaries. Missing ones make those tests skip.
tools_ha() {
  local want=()
  command -v redis-server >/dev/null || want+=(redis-server)
  command -v redis-sentinel >/dev/null || want+=(redis-sentinel)
  command -v pgbouncer >/dev/null || want+=(pgbouncer)
  [ -n "$(pg_bindir)" ] || want+=(postgresql)
  [ ${#want[@]} -eq 0 ] && return 0
  apt_install "${want[@]}" || log "could not install ${want[*]}; the failover tests that need them are skipped"
}

down() {
  if [ -f "$DATA/pg.started" ]; then
    local bin; bin="$(pg_bindir)"
    local user=postgres; id postgres >/dev/null 2>&1 || user=postbode-pg
    run_as "$user" "$bin/pg_ctl" -D "$DATA/pg" -m fast stop >/dev/null || true
    rm -f "$DATA/pg.started"; log "stopped the private Postgres"
  fi
  if [ -f "$DATA/redis.started" ]; then
    redis-cli -p "$PRIV_REDIS_PORT" shutdown >/dev/null 2>&1 || true
    rm -f "$DATA/redis.started"; log "stopped the private Redis"
  fi
}

# key writes the development server key, readable by its owner only.
key() {
  [ -f "$DATA/secret.key" ] || (umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n' > "$DATA/secret.key")
  chmod 600 "$DATA/secret.key"
}

case "${1:-up}" in
  up) up ;;
  key) key ;;
  tools) tools ;;
  tools-ha) tools_ha ;;
  sweep) sweep ;;
  down) down ;;
  *) echo "usage: $0 up|key|tools|tools-ha|sweep|down" >&2; exit 2 ;;
esac
