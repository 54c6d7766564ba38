#!/usr/bin/env bash
# Stop the private PostgreSQL cluster started by pg-start.sh.  deploy/local/pg-stop.sh [DATA_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=${1:-$here/../../.local/pg}
[ -f "$data/PG_VERSION" ] || exit 0
pgbin=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && pgbin=$d; done
if [ "$(id -u)" = 0 ]; then
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$(readlink -f "$data")" -m fast -w stop >/dev/null 2>&1 || true
else
  "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
fi
