#!/usr/bin/env bash
# Start a private PostgreSQL cluster for this checkout (or for one test run).
#   deploy/local/pg-start.sh [DATA_DIR]        default DATA_DIR: .local/pg
# Prints the connection string on stdout (everything else goes to stderr).
# PostgreSQL refuses to run as root, so initdb and pg_ctl run as the `postgres` user.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
data=${1:-$top/.local/pg}
log() { echo "[pg] $*" >&2; }

pgbin=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && pgbin=$d; done
if [ -z "$pgbin" ]; then
  echo "[pg] PostgreSQL is not installed: run 'apt-get install -y postgresql' (./run.sh and ./test.sh do this for you)" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The postgres user must reach the data folder; a checkout under /root is not reachable, so the
# cluster then lives under /tmp and .local/pg points at it.
mkdir -p "$(dirname "$data")"
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$(dirname "$data")" 2>/dev/null; then
  real=/tmp/coworking-pg-$(echo -n "$data" | sha1sum | cut -c1-12)
  mkdir -p "$real"
  [ -L "$data" ] || { rm -rf "$data"; ln -s "$real" "$data"; }
  data=$real
fi
mkdir -p "$data"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$data" && chmod 700 "$data"

if [ ! -f "$data/PG_VERSION" ]; then
  log "initdb in $data"
  as_pg "$pgbin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi

if [ -f "$data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  port=$(sed -n 4p "$data/postmaster.pid")
  log "already running on port $port"
else
  rm -f "$data/postmaster.pid"
  port=$("$here/free-port.sh")
  log "starting on 127.0.0.1:$port"
  as_pg "$pgbin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${PG_FSYNC:-on} -c shared_buffers=256MB" \
    start >/dev/null
fi
echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
