#!/usr/bin/env bash
# Seed a demo organisation through the hub's own API and print KEY=VALUE lines for .local/demo.env.
# Needs HUB_URL and HUB_API_KEY (an organisation-admin key).
set -euo pipefail
: "${HUB_URL:?HUB_URL is not set}" "${HUB_API_KEY:?HUB_API_KEY is not set}"

api() { # METHOD PATH [JSON]
  local out
  if ! out=$(curl -sS -X "$1" -H "Authorization: Bearer $HUB_API_KEY" -H "Content-Type: application/json" \
      ${3:+--data "$3"} -w '\n%{http_code}' "$HUB_URL/api/v1$2"); then
    echo "[seed] $1 $2: the hub did not answer" >&2; exit 1
  fi
  local code=${out##*$'\n'}
  local body=${out%$'\n'*}
  if [ "${code:0:1}" != 2 ]; then echo "[seed] $1 $2 -> $code: $body" >&2; exit 1; fi
  echo "$body"
}
id() { jq -r .id; }

weekdays='{"monday":[{"open":"08:00","close":"19:00"}],"tuesday":[{"open":"08:00","close":"19:00"}],"wednesday":[{"open":"08:00","close":"19:00"}],"thursday":[{"open":"08:00","close":"19:00"}],"friday":[{"open":"08:00","close":"18:00"}]}'
location=$(api POST /locations "{\"name\":\"Canal Street\",\"timeZone\":\"Europe/London\",\"currency\":\"GBP\",\"country\":\"GB\",\"staffedHours\":$weekdays}" | id)
second=$(api POST /locations "{\"name\":\"Harbour Lofts\",\"timeZone\":\"America/New_York\",\"currency\":\"USD\",\"country\":\"US\",\"staffedHours\":$weekdays}" | id)

lobby=$(api POST "/locations/$location/areas" '{"name":"Lobby"}' | id)
floor2=$(api POST "/locations/$location/areas" '{"name":"Second floor"}' | id)
front=$(api POST "/locations/$location/doors" "{\"name\":\"Front door\",\"areaId\":\"$lobby\",\"failMode\":\"secure\",\"unlockMs\":5000,\"heldOpenLimitSeconds\":30}" | id)
rooms=$(api POST "/locations/$location/doors" "{\"name\":\"Meeting rooms\",\"areaId\":\"$floor2\",\"failMode\":\"secure\",\"unlockMs\":4000,\"heldOpenLimitSeconds\":20}" | id)
stairs=$(api POST "/locations/$location/doors" "{\"name\":\"Stair exit\",\"areaId\":\"$lobby\",\"failMode\":\"safe\",\"unlockMs\":3000,\"heldOpenLimitSeconds\":60}" | id)

member() { # name email company location
  api POST /members "{\"name\":\"$1\",\"email\":\"$2\",\"company\":\"$3\",\"homeLocationId\":\"$4\"}" | id
}
ada=$(member "Ada Lovelace" ada@example.test "Analytical Engines Ltd" "$location")
grace=$(member "Grace Hopper" grace@example.test "Compiler Co" "$location")
alan=$(member "Alan Turing" alan@example.test "Bletchley Partners" "$location")
api POST "/members/$ada/credentials" '{"kind":"card","facilityCode":42,"cardNumber":10001}' >/dev/null
api POST "/members/$ada/credentials" '{"kind":"pin","pin":"482915"}' >/dev/null
api POST "/members/$grace/credentials" '{"kind":"card","facilityCode":42,"cardNumber":10002}' >/dev/null
api POST "/members/$alan/credentials" '{"kind":"card","cardNumber":"9876543210"}' >/dev/null
api POST "/members/$alan/suspend" '{"reason":"demo: payment overdue"}' >/dev/null

cat <<ENV
DEMO_LOCATION_ID=$location
DEMO_SECOND_LOCATION_ID=$second
DEMO_DOOR_ID=$front
DEMO_ROOMS_DOOR_ID=$rooms
DEMO_STAIRS_DOOR_ID=$stairs
DEMO_MEMBER_ID=$ada
DEMO_CARD=42:10001
DEMO_PIN=482915
DEMO_SECOND_MEMBER_ID=$grace
DEMO_SECOND_CARD=42:10002
DEMO_SUSPENDED_MEMBER_ID=$alan
DEMO_SUSPENDED_CARD=9876543210
ENV
