#!/usr/bin/env bash
# Make and start a streaming replica of a private cluster started by pg-start.sh, as reports read from one
# (docs/OPERATIONS.md, "A replica for reports").
#   deploy/local/pg-replica.sh PRIMARY_PORT [DATA_DIR]     default DATA_DIR: .local/pg-replica
# The replica allows as many connections as pg-start.sh gives the primary (a standby may not allow fewer).
# Prints the replica's connection string on stdout. An existing replica folder is reused (it resumes streaming);
# stop it with pg-stop.sh DATA_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
primary_port=${1:?usage: pg-replica.sh PRIMARY_PORT [DATA_DIR]}
data=${2:-$top/.local/pg-replica}
log() { echo "[pg-replica] $*" >&2; }

pgbin=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_basebackup" ] && pgbin=$d; done
[ -n "$pgbin" ] || { log "PostgreSQL is not installed: apt-get install -y postgresql"; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# As pg-start.sh: the postgres user must reach the folder, so under root it lives in /tmp and DATA_DIR points at it.
mkdir -p "$(dirname "$data")"
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$(dirname "$data")" 2>/dev/null; then
  real=/tmp/coworking-pg-$(echo -n "$data" | sha1sum | cut -c1-12)
  [ -L "$data" ] || { rm -rf "$data"; ln -s "$real" "$data"; }
  data=$real
fi
mkdir -p "$data"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$data" && chmod 700 "$data"

if [ ! -f "$data/PG_VERSION" ]; then
  log "base backup of 127.0.0.1:$primary_port into $data (-R: it follows the primary)"
  find "$data" -mindepth 1 -delete
  as_pg "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$data" -X stream --checkpoint=fast -R
fi

if [ -f "$data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  port=$(sed -n 4p "$data/postmaster.pid")
  log "already running on port $port"
else
  rm -f "$data/postmaster.pid"
  port=$("$here/free-port.sh")
  log "starting the replica on 127.0.0.1:$port"
  as_pg "$pgbin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c hot_standby=on -c max_connections=300" start >/dev/null
fi
echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
