#!/usr/bin/env bash
# Builds the edge's Debian packages: a self-contained `dotnet publish` per CPU, packed with dpkg-deb.
#   deploy/edge/package.sh [--version 1.2.3] [--arch x64|arm64|all] [--out DIR] [--reuse-publish]
# Writes DIR/coworking-edge_<version>_<amd64|arm64>.deb (DIR defaults to .local/packages). --reuse-publish packs
# an earlier publish again (a new version of the same build, as the packaging test does for an upgrade).
#
# The runtime packs (Microsoft.NETCore.App.Runtime.linux-*, Microsoft.AspNetCore.App.Runtime.linux-*) come from
# NuGet at the version the SDK pairs with its own runtime: SDK 10.0.401 takes 10.0.12, which the package
# mirror serves for both CPUs. A newer SDK picks a newer patch; check the mirror serves it for linux-arm64.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
version=1.0.0
arches=(x64 arm64)
out=$top/.local/packages
reuse=0
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --arch) [ "$2" = all ] && arches=(x64 arm64) || arches=("$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --reuse-publish) reuse=1; shift ;;
    *) echo "usage: $0 [--version V] [--arch x64|arm64|all] [--out DIR] [--reuse-publish]" >&2; exit 2 ;;
  esac
done
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([.~+-][0-9A-Za-z.~+-]+)?$ ]] || { echo "package: version '$version' is not a Debian version" >&2; exit 2; }
work=$top/.local/package-build
mkdir -p "$out" "$work"
here=$top/deploy/edge

for arch in "${arches[@]}"; do
  case "$arch" in
    x64) debarch=amd64 ;;
    arm64) debarch=arm64 ;;
    *) echo "package: unknown architecture $arch (x64 or arm64)" >&2; exit 2 ;;
  esac
  publish=$work/publish-$arch
  if [ "$reuse" = 0 ] || [ ! -x "$publish/coworking-edge" ]; then
    echo "[package] publishing linux-$arch" >&2
    rm -rf "$publish"
    dotnet publish edge/Coworking.Edge -c Release -r "linux-$arch" --self-contained -nologo -v quiet -clp:ErrorsOnly \
      -p:Version="${version%%[~+-]*}" -p:InformationalVersion="$version" -p:DebugType=none -o "$publish"
  fi

  root=$work/root-$arch
  rm -rf "$root"
  install -d "$root/DEBIAN" "$root/opt/coworking-edge" "$root/lib/systemd/system" "$root/etc/coworking-edge" \
    "$root/usr/bin" "$root/usr/share/doc/coworking-edge"
  cp -a "$publish/." "$root/opt/coworking-edge/"
  rm -f "$root/opt/coworking-edge/appsettings.Development.json"
  install -m 0644 "$here/coworking-edge.service" "$root/lib/systemd/system/coworking-edge.service"
  install -m 0640 "$here/edge.json" "$root/etc/coworking-edge/edge.json"
  install -m 0755 "$here/coworking-edge.sh" "$root/usr/bin/coworking-edge"
  for doc in INSTALL.md EDGE.md OSDP.md SYNC.md; do
    [ -f "docs/$doc" ] && install -m 0644 "docs/$doc" "$root/usr/share/doc/coworking-edge/$doc"
  done
  for script in postinst prerm postrm; do
    install -m 0755 "$here/debian/$script" "$root/DEBIAN/$script"
  done
  echo /etc/coworking-edge/edge.json > "$root/DEBIAN/conffiles"
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  cat > "$root/DEBIAN/control" <<CONTROL
Package: coworking-edge
Version: $version
Architecture: $debarch
Maintainer: Coworking Edge & Hub maintainers <maintainers@coworking.invalid>
Installed-Size: $size
Depends: libc6 (>= 2.31), libgcc-s1, libstdc++6, libssl3 | libssl3t64, libicu72 | libicu74 | libicu76, zlib1g, passwd, util-linux
Suggests: systemd-timesyncd | chrony
Section: net
Priority: optional
Homepage: https://coworking.invalid/edge
Description: Coworking edge: door access, OSDP readers and sensors for one building
 Decides every badge locally from a cache of the hub's grants, drives OSDP readers
 over RS-485 and doors wired to GPIO, and keeps every event until the hub has it.
 Includes the systemd service and the installer's tools: enroll, doctor, capture.
CONTROL
  deb=$out/coworking-edge_${version}_${debarch}.deb
  dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
  echo "$deb"
done
