#!/usr/bin/env bash
# What `make run` and `make stop` do.
#
#   run.sh start     build, bring up Postgres and Redis (services.sh up), migrate,
#                    replace the make-run admin token, print the banner and run
#                    `postbode serve` in the foreground (its pid in .data/postbode.pid)
#   run.sh stop      stop the postbode that `run.sh start` started in this checkout
#   run.sh banner T  print the banner for admin token T (what start prints)
#
# The listeners move with POSTBODE_API_LISTEN, POSTBODE_PUBLIC_LISTEN and
# POSTBODE_INBOUND_LISTEN (the public base URL follows the public port unless
# POSTBODE_PUBLIC_BASE_URL is set); the banner shows the addresses in use.
# GO, TAGS, LDFLAGS and BIN come from the Makefile.
set -euo pipefail
cd "$(dirname "$0")/../.."
GO="${GO:-go}"
BIN="${BIN:-bin/postbode}"
DEV_CONFIG=deploy/dev/postbode.dev.toml
PIDFILE="${POSTBODE_DEV_PIDFILE:-.data/postbode.pid}" # the tests use their own

step() { printf '==> %s\n' "$*" >&2; }

# cfg SECTION KEY prints a string value of the dev config.
cfg() {
  awk -v sec="[$1]" -v key="$2" '
    $0 == sec { on = 1; next }
    /^\[/ { on = 0 }
    on && $1 == key { sub(/^[^=]*=[ \t]*"/, ""); sub(/".*$/, ""); print; exit }' "$DEV_CONFIG"
}

# url SCHEME LISTEN turns a listen address into a URL a browser or client on
# this machine can use (an empty or wildcard host becomes 127.0.0.1).
url() {
  local host="${2%:*}" port="${2##*:}"
  case "$host" in ""|0.0.0.0|"[::]"|"::") host=127.0.0.1 ;; esac
  printf '%s://%s:%s' "$1" "$host" "$port"
}

# addresses sets API, PUBLIC, INBOUND and OUTBOX from the environment or the
# dev config, and makes the public base URL follow a moved public port.
addresses() {
  API="${POSTBODE_API_LISTEN:-$(cfg api listen)}"
  INBOUND="${POSTBODE_INBOUND_LISTEN:-$(cfg inbound listen)}"
  OUTBOX="${POSTBODE_SMTP_CAPTURE_DIR:-}"
  if [ -z "$OUTBOX" ]; then
    # A relative path in the config file is taken from the file's directory.
    OUTBOX="$(cfg smtp capture_dir)"
    case "$OUTBOX" in /*) ;; *) OUTBOX="$(realpath -m --relative-to=. "$(dirname "$DEV_CONFIG")/$OUTBOX")" ;; esac
  fi
  if [ -n "${POSTBODE_PUBLIC_LISTEN:-}" ] && [ -z "${POSTBODE_PUBLIC_BASE_URL:-}" ]; then
    export POSTBODE_PUBLIC_BASE_URL="http://localhost:${POSTBODE_PUBLIC_LISTEN##*:}"
  fi
  PUBLIC="${POSTBODE_PUBLIC_BASE_URL:-$(cfg public base_url)}"
}

banner() {
  addresses
  local api; api="$(url http "$API")"
  cat <<EOF

postbode is starting:
  admin API   $api/api/v1   (OpenAPI: /api/v1/openapi.json, metrics: /metrics)
  console     $api/console/   (the first administrator: README, "Console")
  public      $PUBLIC
  inbound     $(url smtp "$INBOUND")
  outbox      $OUTBOX (every sent message as .eml)
  config      .data/postbode.toml (ops commands from this checkout use it: bin/postbode campaigns list)
  admin token $1
  try:        export TOKEN=$1; curl -H "Authorization: Bearer \$TOKEN" $api/api/v1/lists
  stop:       Ctrl-C, or make stop from another shell

EOF
}

# running prints the pid of the postbode this checkout's run.sh started, if
# it still runs (the pid file may be stale, its pid reused by another program).
running() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid="$(cat "$PIDFILE")"
  local exe; exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  # A binary rebuilt while it runs shows as "PATH (deleted)".
  [ "${exe% (deleted)}" = "$(readlink -f "$BIN")" ] || return 1
  echo "$pid"
}

build() {
  step "Go modules (the first run downloads them: a minute or two)"
  "$GO" mod download
  step "building $BIN (the first build compiles every dependency: a minute or two)"
  # -v names each package as it is compiled: count them on one line (on a
  # terminal; into a file or pipe only the total, not a line of carriage returns).
  local tty=0
  [ -t 2 ] && tty=1
  "$GO" build -v -tags "${TAGS:-}" -ldflags "${LDFLAGS:-}" -o "$BIN" ./cmd/postbode 2>&1 |
    awk -v tty="$tty" '/^[^ \t#:]+$/ { n++; if (tty) printf "\r    %d package(s) compiled", n > "/dev/stderr"; next }
      { print > "/dev/stderr" }
      END { if (n && tty) print "" > "/dev/stderr"; else if (n) printf "    %d package(s) compiled\n", n > "/dev/stderr" }'
  [ "${PIPESTATUS[0]}" = 0 ]
}

start() {
  if pid="$(running)"; then
    echo "postbode already runs from this checkout (pid $pid); make stop first" >&2
    exit 1
  fi
  build
  step "Postgres and Redis"
  deploy/dev/services.sh up
  mkdir -p .data/outbox
  export POSTBODE_CONFIG=.data/postbode.toml
  step "migrating the database"
  "$BIN" migrate
  step "admin token make-run (replacing the previous one)"
  local tok; tok="$("$BIN" token create --role admin --name make-run --replace)"
  banner "$tok"
  # Invitation and reset links point at this machine's console (the
  # daemon's default, said here so it does not warn that it guessed).
  export POSTBODE_PEOPLE_ADMIN_URL="${POSTBODE_PEOPLE_ADMIN_URL:-$(url http "$API")}"
  echo $$ > "$PIDFILE"
  exec "$BIN" serve
}

stop() {
  local pid
  if ! pid="$(running)"; then
    rm -f "$PIDFILE"
    echo "postbode is not running from this checkout" >&2
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$PIDFILE"
  echo "stopped postbode (pid $pid)" >&2
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  banner) banner "${2:?admin token}" ;;
  *) echo "usage: $0 start|stop|banner TOKEN" >&2; exit 2 ;;
esac
