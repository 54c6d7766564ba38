#!/usr/bin/env bash
# Bring up a whole simulated building on this machine: a private PostgreSQL, the hub, seeded demo data,
# firmware-sim readers on a socat pty bus and the edge driving them. Prints the console URL and demo logins, writes
# .local/demo.env, and stays in the foreground: Ctrl-C stops everything it started.
set -euo pipefail
# A shell started in the background by another script inherits SIGINT as ignored and could then never
# trap Ctrl-C; perl restores the default disposition before bash starts again.
if [ -z "${COWORKING_RUN_REEXEC:-}" ]; then
  export COWORKING_RUN_REEXEC=1
  exec perl -e '$SIG{INT} = "DEFAULT"; $SIG{TERM} = "DEFAULT"; exec @ARGV or die "exec: $!"' bash "$0" "$@"
fi
cd "$(dirname "$0")"
top=$(pwd)
local_dir=$top/.local
logs=$local_dir/logs
say() { echo "[run] $*"; }
# --replica: reports read from a streaming replica of the database (ConnectionStrings:Reports; docs/OPERATIONS.md).
replica=0
for arg in "$@"; do [ "$arg" = --replica ] && replica=1; done

pids=()
stopping=0
stop_all() {
  [ "$stopping" = 1 ] && return
  stopping=1
  say "stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  [ "$replica" = 1 ] && deploy/local/pg-stop.sh "$local_dir/pg-replica"
  deploy/local/pg-stop.sh "$local_dir/pg"
  say "stopped"
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

say "checking system packages"
deploy/local/install-deps.sh

say "building (first time takes a minute)"
dotnet build Coworking.sln -c Debug -nologo -v quiet -clp:ErrorsOnly
mkdir -p "$logs"

say "starting PostgreSQL"
pg_admin=$(deploy/local/pg-start.sh "$local_dir/pg")
pg_port=$(echo "$pg_admin" | sed -E 's/.*Port=([0-9]+).*/\1/')
# The owner role runs the migrations; the hub connects as its own role, which row-level security holds to the caller's
# organisation (docs/SECURITY.md).
deploy/local/pg-roles.sh "$pg_port" coworking
export ConnectionStrings__Hub="Host=127.0.0.1;Port=$pg_port;Username=coworking_hub;Database=coworking"
export ConnectionStrings__Migrations="Host=127.0.0.1;Port=$pg_port;Username=coworking_owner;Database=coworking"
if [ "$replica" = 1 ]; then
  say "starting a streaming replica for reports"
  replica_port=$(deploy/local/pg-replica.sh "$pg_port" "$local_dir/pg-replica" | sed -E 's/.*Port=([0-9]+).*/\1/')
  export ConnectionStrings__Reports="Host=127.0.0.1;Port=$replica_port;Username=coworking_hub;Database=coworking"
fi

hub_dll=hub/Coworking.Hub/bin/Debug/net10.0/coworking-hub.dll
demo_admin_email=owner@demo.coworking.test
demo_admin_password=demo-owner-pass

org_file=$local_dir/demo-org.json
if [ ! -s "$org_file" ]; then
  say "creating the demo organisation"
  dotnet "$hub_dll" bootstrap --org "Demo Coworking" \
    --admin-email "$demo_admin_email" --admin-password "$demo_admin_password" > "$org_file.tmp"
  mv "$org_file.tmp" "$org_file"
fi
api_key=$(jq -r .apiKey "$org_file")

say "making the local edge certificate authority and the hub's TLS certificate (.local/ca)"
deploy/local/make-edge-ca.sh "$local_dir/ca" >/dev/null

# The Stripe API is simulated by the same firmware-sim: it is the demo organisation's own Stripe account (set through
# the API below, kept encrypted with the hub's Data Protection key ring in .local/hub-keys). Its state survives
# restarts, and so does the endpoint secret the hub verifies webhooks with (in .local/demo.env as STRIPE_WEBHOOK_SECRET).
stripe_secret_key=sk_test_coworking_demo
stripe_webhook_secret_file=$local_dir/stripe-webhook-secret
if [ ! -s "$stripe_webhook_secret_file" ]; then
  (umask 077; echo "whsec_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$stripe_webhook_secret_file")
fi
stripe_webhook_secret=$(cat "$stripe_webhook_secret_file")

# The simulator's address is chosen now: the hub calls its Stripe API.
sim_port=${SIM_PORT:-$(deploy/local/free-port.sh)}
sim_url=http://127.0.0.1:$sim_port

# The hub's e-mails (booking confirmations, sign-in links, password resets) land here as .eml files.
mailbox_dir=$local_dir/mailbox

hub_port=${HUB_PORT:-$(deploy/local/free-port.sh)}
hub_url=http://127.0.0.1:$hub_port
sync_port=${SYNC_PORT:-$(deploy/local/free-port.sh)}
sync_url=https://127.0.0.1:$sync_port
say "starting the hub on $hub_url, EdgeSync on $sync_url (log: .local/logs/hub.log)"
dotnet "$hub_dll" \
  --Stripe:AllowedApiBases:0="$sim_url" \
  --DataProtection:KeyDirectory="$local_dir/hub-keys" \
  --Kestrel:Endpoints:Api:Url="$hub_url" \
  --Kestrel:Endpoints:EdgeSync:Url="$sync_url" \
  --Kestrel:Endpoints:EdgeSync:Protocols=Http2 \
  --Kestrel:Endpoints:EdgeSync:Certificate:Path="$local_dir/ca/hub.pem" \
  --Kestrel:Endpoints:EdgeSync:Certificate:KeyPath="$local_dir/ca/hub.key" \
  --EdgeSync:AuthorityCertificatePath="$local_dir/ca/ca.pem" \
  --EdgeSync:PublicUrl="$sync_url" \
  --Hub:PublicUrl="$hub_url" \
  --Mail:PickupDirectory="$mailbox_dir" \
  > "$logs/hub.log" 2>&1 &
hub_pid=$!
pids+=("$hub_pid")
for _ in $(seq 1 120); do
  curl -fsS "$hub_url/readyz" >/dev/null 2>&1 && break
  kill -0 "$hub_pid" 2>/dev/null || { say "the hub exited; last lines of its log:"; tail -20 "$logs/hub.log"; exit 1; }
  sleep 0.5
done
curl -fsS "$hub_url/readyz" >/dev/null || { say "the hub did not become ready; see $logs/hub.log"; exit 1; }

seed_file=$local_dir/demo-seed.env
if [ ! -s "$seed_file" ]; then
  say "seeding demo locations, doors, members and cards"
  HUB_URL=$hub_url HUB_API_KEY=$api_key deploy/local/seed-demo.sh > "$seed_file.tmp"
  mv "$seed_file.tmp" "$seed_file"
fi

# shellcheck disable=SC1090
. "$seed_file"

# The simulator's port changes between runs, so the organisation's account is set on every start.
org_id=$(jq -r .organisationId "$org_file")
curl -fsS -X PUT -H "Authorization: Bearer $api_key" -H "Content-Type: application/json" \
  -d "{\"secretKey\":\"$stripe_secret_key\",\"webhookSecret\":\"$stripe_webhook_secret\",\"publishableKey\":\"pk_test_coworking_demo\",\"apiBase\":\"$sim_url\"}" \
  "$hub_url/api/v1/organisation/stripe-account" >/dev/null || { say "could not set the demo organisation's Stripe account"; exit 1; }

# The building: one RS-485 bus as a socat pty pair, the simulated readers on one end, the edge on the other.
say "starting the simulated building (socat pty bus, firmware-sim readers)"
bus_edge=$local_dir/bus0-edge
bus_dev=$local_dir/bus0-dev
rm -f "$bus_edge" "$bus_dev"
socat -d "pty,raw,echo=0,link=$bus_edge" "pty,raw,echo=0,link=$bus_dev" > "$logs/socat.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 50); do [ -e "$bus_edge" ] && [ -e "$bus_dev" ] && break; sleep 0.1; done
[ -e "$bus_edge" ] || { say "socat did not make the pty pair; see $logs/socat.log"; exit 1; }

# Occupancy sensors (docs/SENSORS.md): the edge's embedded MQTT broker with one gateway the hub issued, the demo sensors
# configured at the hub (once), and the same firmware-sim playing them over MQTT with a working day of their own.
mqtt_port=${MQTT_PORT:-$(deploy/local/free-port.sh)}
mqtt_user=demo-gateway
mqtt_password_file=$local_dir/mqtt-gateway-password
# The hub answers a gateway's password once: it is kept here, and a new one is asked for when the file is gone.
gateways_url="$hub_url/api/v1/locations/$DEMO_LOCATION_ID/sensor-gateways"
gateway_id=$(curl -fsS -H "Authorization: Bearer $api_key" "$gateways_url" | jq -r --arg u "$mqtt_user" '.items[] | select(.username == $u) | .id')
issued=
if [ -z "$gateway_id" ]; then
  issued=$(curl -fsS -X POST -H "Authorization: Bearer $api_key" -H "Content-Type: application/json" -d "{\"username\":\"$mqtt_user\"}" "$gateways_url")
elif [ ! -s "$mqtt_password_file" ]; then
  issued=$(curl -fsS -X POST -H "Authorization: Bearer $api_key" "$gateways_url/$gateway_id/password")
fi
[ -z "$issued" ] || (umask 077; jq -r .password <<<"$issued" > "$mqtt_password_file")
mqtt_password=$(cat "$mqtt_password_file")
demo_sensor_topic=zigbee2mqtt/boardroom-presence
sensor() {
  curl -fsS -H "Authorization: Bearer $api_key" "$hub_url/api/v1/locations/$DEMO_LOCATION_ID/sensors" | jq -e --arg t "$2" '.items[] | select(.topic == $t)' >/dev/null \
    || curl -fsS -X POST -H "Authorization: Bearer $api_key" -H "Content-Type: application/json" \
      -d "{\"name\":\"$1\",\"kind\":\"$3\",\"adapter\":\"$4\",\"topic\":\"$2\",\"resourceId\":\"$DEMO_ROOM_ID\"}" \
      "$hub_url/api/v1/locations/$DEMO_LOCATION_ID/sensors" >/dev/null
}
sensor "Boardroom presence" "$demo_sensor_topic" presence zigbee2mqtt
sensor "Boardroom CO2" zigbee2mqtt/boardroom-co2 co2 zigbee2mqtt

# The same firmware-sim plays the demo's Kisi, Brivo and Salto KS accounts (docs/BRIDGES.md); their secrets are demo values.
kisi_api_key=kisi_demo_key_0001
kisi_webhook_secret=demo-kisi-webhook-secret
vendor_secret=demo-vendor-secret-0001
salto_otp_secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
cat > "$local_dir/sim.json" <<JSON
{
  "sensors": {
    "broker": { "host": "127.0.0.1", "port": $mqtt_port, "username": "$mqtt_user", "password": "$mqtt_password" },
    "day": { "timeZone": "Europe/London" },
    "devices": [
      { "name": "boardroom-presence", "kind": "presence", "shape": "zigbee2mqtt", "topic": "$demo_sensor_topic" },
      { "name": "boardroom-co2", "kind": "co2", "shape": "zigbee2mqtt", "topic": "zigbee2mqtt/boardroom-co2" }
    ]
  },
  "buses": [
    {
      "port": "$bus_dev",
      "baudRate": 115200,
      "readers": [
        { "address": 1, "doorId": "$DEMO_DOOR_ID", "secureChannel": false, "keypad": true },
        { "address": 2, "doorId": "$DEMO_ROOMS_DOOR_ID", "secureChannel": true, "keypad": true },
        { "address": 3, "doorId": "$DEMO_STAIRS_DOOR_ID", "secureChannel": false, "keypad": false }
      ]
    }
  ],
  "keyStorePath": "$local_dir/sim-keys.json",
  "stripe": {
    "secretKey": "$stripe_secret_key",
    "statePath": "$local_dir/stripe-sim.json",
    "webhooks": [ { "url": "$hub_url/api/v1/webhooks/stripe/$org_id", "secret": "$stripe_webhook_secret" } ]
  },
  "kisi": { "apiKey": "$kisi_api_key", "locks": [ { "id": 101, "name": "Courtyard gate" } ] },
  "brivo": { "clientId": "demo-brivo-client", "clientSecret": "$vendor_secret", "apiKey": "$vendor_secret", "username": "demo-admin",
             "password": "$vendor_secret", "accessPoints": [ { "id": 901, "siteId": 77, "name": "Garage door" } ] },
  "salto": { "clientId": "demo-salto-client", "clientSecret": "$vendor_secret", "otpSecret": "$salto_otp_secret",
             "sites": [ { "id": "demo-site", "locks": [ { "id": "studio-lock", "name": "Studio" } ] } ] }
}
JSON
dotnet firmware-sim/Coworking.Sim/bin/Debug/net10.0/coworking-sim.dll --config "$local_dir/sim.json" --urls "$sim_url" > "$logs/sim.log" 2>&1 &
sim_pid=$!
pids+=("$sim_pid")

edge_dll=edge/Coworking.Edge/bin/Debug/net10.0/coworking-edge.dll
mkdir -p "$local_dir/edge"
if [ ! -s "$local_dir/edge/hub.json" ]; then
  say "enrolling the edge for the demo location with a one-time code"
  code=$(curl -fsS -X POST -H "Authorization: Bearer $api_key" -H "Content-Type: application/json" \
    -d '{"name":"Demo edge"}' "$hub_url/api/v1/locations/$DEMO_LOCATION_ID/edges/enrolment-codes" | jq -r .code)
  dotnet "$edge_dll" enroll --hub "$sync_url" --code "$code" --Edge:DataDirectory="$local_dir/edge" > "$logs/enroll.log" 2>&1 \
    || { say "enrolment failed; see $logs/enroll.log"; exit 1; }
fi
edge_id=$(jq -r .edgeId "$local_dir/edge/hub.json")

edge_port=${EDGE_PORT:-$(deploy/local/free-port.sh)}
edge_status_url=http://127.0.0.1:$edge_port
say "starting the edge (status: $edge_status_url/status, log: .local/logs/edge.log)"
Edge__DataDirectory=$local_dir/edge \
Edge__StatusUrl=$edge_status_url \
Osdp__Buses__0__PortName=$bus_edge \
Osdp__Buses__0__BaudRate=115200 \
Osdp__Buses__0__KeyStorePath=$local_dir/edge/osdp-keys.json \
Osdp__Buses__0__Readers__0__Address=1 \
Osdp__Buses__0__Readers__0__DoorId=$DEMO_DOOR_ID \
Osdp__Buses__0__Readers__1__Address=2 \
Osdp__Buses__0__Readers__1__DoorId=$DEMO_ROOMS_DOOR_ID \
Osdp__Buses__0__Readers__1__SecureChannel=true \
Osdp__Buses__0__Readers__2__Address=3 \
Osdp__Buses__0__Readers__2__DoorId=$DEMO_STAIRS_DOOR_ID \
Edge__Sync__HubUrls__0=$sync_url \
Edge__Sensors__Port=$mqtt_port \
  dotnet "$edge_dll" run > "$logs/edge.log" 2>&1 &
edge_pid=$!
pids+=("$edge_pid")
for _ in $(seq 1 120); do
  curl -fsS "$sim_url/healthz" >/dev/null 2>&1 && curl -fsS "$edge_status_url/healthz" >/dev/null 2>&1 && break
  kill -0 "$sim_pid" 2>/dev/null || { say "firmware-sim exited; last lines of its log:"; tail -20 "$logs/sim.log"; exit 1; }
  kill -0 "$edge_pid" 2>/dev/null || { say "the edge exited; last lines of its log:"; tail -20 "$logs/edge.log"; exit 1; }
  sleep 0.5
done
curl -fsS "$edge_status_url/healthz" >/dev/null || { say "the edge did not become healthy; see $logs/edge.log"; exit 1; }
for _ in $(seq 1 120); do
  [ "$(curl -fsS "$edge_status_url/status" | jq -r .sync.connected)" = true ] && break
  sleep 0.5
done
[ "$(curl -fsS "$edge_status_url/status" | jq -r .sync.connected)" = true ] || { say "the edge did not reach the hub; see $logs/edge.log"; exit 1; }

# The vendor accounts point at the simulator, whose port changes between runs; Kisi's webhooks go to the edge.
vendor_account() { # VENDOR JSON
  curl -fsS -X PUT -H "Authorization: Bearer $api_key" -H "Content-Type: application/json" -d "$2" \
    "$hub_url/api/v1/locations/$DEMO_LOCATION_ID/vendor-accounts/$1" >/dev/null || { say "could not set the demo's $1 account"; exit 1; }
}
vendor_account kisi "{\"apiBase\":\"$sim_url/kisi/api\",\"secrets\":{\"api_key\":\"$kisi_api_key\",\"webhook_secret\":\"$kisi_webhook_secret\"}}"
vendor_account brivo "{\"apiBase\":\"$sim_url/brivo\",\"secrets\":{\"client_id\":\"demo-brivo-client\",\"client_secret\":\"$vendor_secret\",\"api_key\":\"$vendor_secret\",\"username\":\"demo-admin\",\"password\":\"$vendor_secret\"}}"
vendor_account salto_ks "{\"apiBase\":\"$sim_url/salto\",\"secrets\":{\"client_id\":\"demo-salto-client\",\"client_secret\":\"$vendor_secret\",\"otp_secret\":\"$salto_otp_secret\"}}"
curl -fsS -X PUT -H "Content-Type: application/json" -d "{\"url\":\"$edge_status_url/bridges/kisi/webhook\",\"secret\":\"$kisi_webhook_secret\"}" \
  "$sim_url/kisi/control/webhook" >/dev/null || { say "could not point the simulated Kisi's webhook at the edge"; exit 1; }

{
  echo "# Written by ./run.sh; source it:  . .local/demo.env"
  echo "HUB_URL=$hub_url"
  echo "HUB_API_KEY=$api_key"
  echo "HUB_PID=$hub_pid"
  echo "HUB_SYNC_URL=$sync_url"
  echo "EDGE_ID=$edge_id"
  echo "HUB_DATABASE=\"$ConnectionStrings__Hub\""
  echo "SIM_URL=$sim_url"
  echo "SIM_PID=$sim_pid"
  echo "STRIPE_API_BASE=$sim_url"
  echo "STRIPE_SECRET_KEY=$stripe_secret_key"
  echo "STRIPE_WEBHOOK_SECRET=$stripe_webhook_secret"
  echo "KISI_CONTROL_URL=$sim_url/kisi/control"
  echo "BRIVO_CONTROL_URL=$sim_url/brivo/control"
  echo "SALTO_CONTROL_URL=$sim_url/salto/control"
  echo "EDGE_STATUS_URL=$edge_status_url"
  echo "EDGE_PID=$edge_pid"
  echo "DEMO_ADMIN_EMAIL=$demo_admin_email"
  echo "DEMO_ADMIN_PASSWORD=$demo_admin_password"
  echo "DEMO_OPERATOR_EMAIL=$demo_admin_email"
  echo "DEMO_OPERATOR_PASSWORD=$demo_admin_password"
  echo "MAILBOX_DIR=$mailbox_dir"
  echo "CONSOLE_URL=$hub_url/console"
  echo "PORTAL_URL=$hub_url/portal"
  echo "MQTT_URL=mqtt://$mqtt_user:$mqtt_password@127.0.0.1:$mqtt_port"
  echo "DEMO_SENSOR_TOPIC=$demo_sensor_topic"
  cat "$seed_file"
} > "$local_dir/demo.env"

cat <<TXT

  Coworking demo is up.
    Console:      $hub_url/console   (operators: the logins below)
    Portal:       $hub_url/portal    (members: sign in with an e-mailed link or a passkey)
    Hub API:      $hub_url/api/v1   (OpenAPI: $hub_url/openapi/v1.json)
    Console login (org admin):        $demo_admin_email / $demo_admin_password
                  (location manager): ${DEMO_MANAGER_EMAIL:-none} / ${DEMO_MANAGER_PASSWORD:-}
                  (front desk):       ${DEMO_FRONT_DESK_EMAIL:-none} / ${DEMO_FRONT_DESK_PASSWORD:-}
                  POST $hub_url/auth/login with {"email","password"}, or the console's login page
    Member sign-in: ask for a link for ${DEMO_MEMBER_EMAIL:-ada@example.test} (POST $hub_url/auth/sign-in-link);
                  the e-mail lands in $mailbox_dir
    API key:      $api_key
    EdgeSync:     $sync_url   (gRPC over TLS; authority .local/ca/ca.pem)
    Edge status:  $edge_status_url/status   (readers, doors, cache, outbox, hub link, recent decisions)
    Simulator:    $sim_url/doors   (readers at the demo doors)
    Stripe sim:   $sim_url/v1   (the demo organisation's own account, key $stripe_secret_key; webhooks to the hub; docs/SIM.md)
  Everything is in .local/demo.env (source it: . .local/demo.env); logs in .local/logs/.
  Try:  curl -H "Authorization: Bearer \$HUB_API_KEY" \$HUB_URL/api/v1/members
        curl -c .local/cookies -H 'Content-Type: application/json' \$HUB_URL/auth/login \\
             -d '{"email":"'\$DEMO_OPERATOR_EMAIL'","password":"'\$DEMO_OPERATOR_PASSWORD'"}'
        curl -b .local/cookies \$HUB_URL/api/v1/members
        curl -H "Authorization: Bearer \$HUB_API_KEY" \$HUB_URL/api/v1/edges
        curl -XPOST \$SIM_URL/doors/\$DEMO_DOOR_ID/badge -d '{"card":"'\$DEMO_CARD'"}'
  Ctrl-C stops everything.

TXT
while kill -0 "$hub_pid" 2>/dev/null && kill -0 "$edge_pid" 2>/dev/null && kill -0 "$sim_pid" 2>/dev/null; do sleep 1; done
say "a part stopped by itself; see the logs in $logs"
