#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the server tests (make test starts and stops it).
#   test-postgres.sh start   prints the admin URL on stdout (nothing if PostgreSQL is missing)
#   test-postgres.sh stop
# As root it installs Debian's postgresql when missing, and runs the cluster as the `postgres`
# user (PostgreSQL refuses to run as root). Data lives in a temp folder with fsync off: it is
# test data, thrown away afterwards.
set -euo pipefail
STATE=${SLATE_TEST_PG_DIR:-/tmp/slate-test-postgres}

find_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bindir
  bindir=$(find_bindir)
  if [ -z "$bindir" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-postgres: installing postgresql for the server tests" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2 \
      || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
           --no-install-recommends postgresql >&2; }
    bindir=$(find_bindir)
  fi
  if [ -z "$bindir" ]; then
    echo "test-postgres: PostgreSQL not found; the PostgreSQL server tests will be skipped." >&2
    echo "  To run them: sudo apt-get install -y postgresql" >&2
    return 0
  fi
  stop >/dev/null 2>&1 || true
  rm -rf "$STATE"
  mkdir -p "$STATE"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$STATE"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bindir/initdb" -D "$STATE/data" -U slate -A trust --no-sync >"$STATE/initdb.log" 2>&1 \
    || { echo "test-postgres: initdb failed, see $STATE/initdb.log" >&2; return 0; }
  as_owner "$bindir/pg_ctl" -D "$STATE/data" -l "$STATE/server.log" -w -t 60 start \
    -o "-p $port -k $STATE -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    >/dev/null || { echo "test-postgres: could not start, see $STATE/server.log" >&2; return 0; }
  echo "$bindir" >"$STATE/bindir"
  echo "postgresql://slate@127.0.0.1:$port/postgres"
}

stop() {
  [ -f "$STATE/bindir" ] || return 0
  as_owner "$(cat "$STATE/bindir")/pg_ctl" -D "$STATE/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
