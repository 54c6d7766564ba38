#!/usr/bin/env bash
# Make the local certificate authority edges trust for the hub, and the hub's TLS certificate for its
# EdgeSync (gRPC) endpoint, with openssl (docs/SYNC.md, "TLS").
#   deploy/local/make-edge-ca.sh DIR [NAME...]
# DIR gets ca.pem + ca.key (kept when present: edges already trust it) and hub.pem + hub.key (made
# again when missing, expiring within 30 days, or not naming every NAME). The hub certificate names
# localhost, 127.0.0.1 and ::1 plus each NAME (a DNS name or an IP address). Prints DIR.
# Keys are EC P-256, readable by their owner only. In production keep ca.key offline.
set -euo pipefail
dir=${1:?usage: make-edge-ca.sh DIR [NAME...]}
shift
mkdir -p "$dir"
umask 077

if [ ! -s "$dir/ca.pem" ] || [ ! -s "$dir/ca.key" ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key.tmp"
  openssl req -x509 -new -key "$dir/ca.key.tmp" -sha256 -days 3650 -subj "/CN=Coworking hub edge CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$dir/ca.pem.tmp" 2>/dev/null
  mv "$dir/ca.key.tmp" "$dir/ca.key"
  mv "$dir/ca.pem.tmp" "$dir/ca.pem"
  rm -f "$dir/hub.pem" "$dir/hub.key"
fi

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then san="$san,IP:$name"; else san="$san,DNS:$name"; fi
done

fresh() {
  [ -s "$dir/hub.pem" ] && [ -s "$dir/hub.key" ] || return 1
  openssl x509 -in "$dir/hub.pem" -noout -checkend $((30 * 24 * 3600)) >/dev/null || return 1
  local names
  names=$(openssl x509 -in "$dir/hub.pem" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr -d ' ')
  for want in ${san//,/ }; do
    case $want in
      IP:::1) want="IPAddress:0:0:0:0:0:0:0:1" ;;
      IP:*) want="IPAddress:${want#IP:}" ;;
    esac
    [[ ",$names," == *",$want,"* ]] || return 1
  done
}

if ! fresh; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/hub.key.tmp"
  openssl req -new -key "$dir/hub.key.tmp" -subj "/CN=coworking-hub" -out "$dir/hub.csr" 2>/dev/null
  cat > "$dir/hub.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san
authorityKeyIdentifier=keyid
EXT
  openssl x509 -req -in "$dir/hub.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -sha256 -days 397 \
    -extfile "$dir/hub.ext" -out "$dir/hub.pem.tmp" 2>/dev/null
  rm -f "$dir/hub.csr" "$dir/hub.ext" "$dir/ca.srl"
  mv "$dir/hub.key.tmp" "$dir/hub.key"
  mv "$dir/hub.pem.tmp" "$dir/hub.pem"
fi
echo "$dir"
