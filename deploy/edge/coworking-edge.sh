#!/bin/sh
# coworking-edge: enroll, doctor, capture (and run). Started by root, it runs as the edge's own user, so
# what it writes in /var/lib/coworking-edge stays the service's and its checks see what the service sees.
set -e
export COWORKING_EDGE_CONFIG="${COWORKING_EDGE_CONFIG:-/etc/coworking-edge/edge.json}"
if [ "$(id -u)" = 0 ] && id coworking-edge >/dev/null 2>&1; then
  cd /var/lib/coworking-edge 2>/dev/null || cd /
  exec setpriv --reuid=coworking-edge --regid=coworking-edge --init-groups -- /opt/coworking-edge/coworking-edge "$@"
fi
exec /opt/coworking-edge/coworking-edge "$@"
