#!/usr/bin/env bash
# Install the Debian packages the project runs against, when any is missing.
#   deploy/local/install-deps.sh [--browser]
set -euo pipefail
want=(postgresql postgresql-contrib socat mosquitto mosquitto-clients ca-certificates openssl curl jq python3-icalendar faketime libfaketime
  qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)
# kubernetes-client: `kubectl kustomize` renders deploy/k8s for the manifest test — Debian's, unless a kubectl is already
# installed (another kubectl package owns /usr/bin/kubectl and the two cannot both be installed).
command -v kubectl >/dev/null 2>&1 || want+=(kubernetes-client)
# mosquitto-clients: mosquitto_pub, as docs/SENSORS.md's demo line and the end-to-end sensor tests publish.
# qemu-user-static and the arm64 cross C libraries: the packaging test starts the linux-arm64 edge build on this x64 box.
[ "${1:-}" = "--browser" ] && want+=(chromium fonts-dejavu-core)
# The build runs `npm ci` for the web assets (hub/Coworking.Hub/package-lock.json). Debian's nodejs and npm unless a
# Node with npm is already installed (NodeSource's nodejs package carries npm and conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || want+=(nodejs npm)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v dotnet >/dev/null 2>&1; then
  echo "[deps] the .NET 10 SDK is missing: install it (https://learn.microsoft.com/dotnet/core/install/linux-debian) and run again" >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "[deps] missing packages: ${missing[*]} — run as root or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "[deps] installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# Debian starts a system mosquitto and a system PostgreSQL cluster on install; the project runs its own.
systemctl disable --now mosquitto >/dev/null 2>&1 || true
