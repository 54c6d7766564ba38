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
# One door of each vendor kind (docs/BRIDGES.md): their locks are the simulated vendors' in run.sh's firmware-sim.
kisi_door=$(api POST "/locations/$location/doors" "{\"name\":\"Courtyard gate (Kisi)\",\"areaId\":\"$lobby\",\"failMode\":\"secure\",\"unlockMs\":3000,\"heldOpenLimitSeconds\":30}" | id)
api PUT "/locations/$location/doors/$kisi_door/controller" '{"controller":"kisi","kisiLockId":"101"}' >/dev/null
brivo_door=$(api POST "/locations/$location/doors" "{\"name\":\"Garage door (Brivo)\",\"areaId\":\"$lobby\",\"failMode\":\"secure\",\"unlockMs\":3000,\"heldOpenLimitSeconds\":30}" | id)
api PUT "/locations/$location/doors/$brivo_door/controller" '{"controller":"brivo","brivoSiteId":"77","brivoAccessPointId":"901"}' >/dev/null
salto_door=$(api POST "/locations/$location/doors" "{\"name\":\"Studio (Salto KS)\",\"areaId\":\"$floor2\",\"failMode\":\"secure\",\"unlockMs\":3000,\"heldOpenLimitSeconds\":30}" | id)
api PUT "/locations/$location/doors/$salto_door/controller" '{"controller":"salto_ks","saltoSiteId":"demo-site","saltoLockId":"studio-lock"}' >/dev/null

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

# Tiers (docs/BOOKINGS.md), desks and rooms. The boardroom sits in the lobby, so a booking's PIN opens the front door.
tier() { # name terms-json
  api POST /tiers "{\"name\":\"$1\",\"terms\":$2}" | id
}
tier "Day pass" '{"kind":"day_pass","priceMinor":2500,"currency":"GBP","billingInterval":"weekly","advanceBookingHours":24,"dailyBookingHours":8,"bookingCreditsPerMonth":4,"guestPassesPerMonth":0,"allowedResourceKinds":["hot_desk","phone_booth"],"access":"bookings_only","allSites":true}' >/dev/null
flex=$(tier "Flex" '{"kind":"hot_desk","priceMinor":19900,"currency":"GBP","billingInterval":"monthly","advanceBookingHours":24,"dailyBookingHours":8,"maxConcurrentRoomBookings":1,"roomHoursPerMonth":2,"guestPassesPerMonth":2,"allowedResourceKinds":["hot_desk","meeting_room","phone_booth"],"access":"staffed_hours","noticeDays":30}')
resident=$(tier "Resident" '{"kind":"dedicated_desk","priceMinor":39900,"currency":"GBP","billingInterval":"monthly","advanceBookingHours":168,"maxConcurrentRoomBookings":4,"roomHoursPerMonth":10,"guestPassesPerMonth":5,"access":"all_hours","allSites":true,"noticeDays":30}')
api PUT "/tiers/$flex/locations/$second" '{"priceMinor":24900,"currency":"USD"}' >/dev/null
api PUT "/tiers/$resident/locations/$second" '{"priceMinor":49900,"currency":"USD"}' >/dev/null

resource() { # location area name kind capacity
  api POST "/locations/$1/resources" "{\"areaId\":\"$2\",\"name\":\"$3\",\"kind\":\"$4\",\"capacity\":$5}" | id
}
boardroom=$(resource "$location" "$lobby" "Boardroom" meeting_room 10)
resource "$location" "$floor2" "Fishbowl" meeting_room 4 >/dev/null
resource "$location" "$floor2" "Phone booth" phone_booth 1 >/dev/null
desk=$(resource "$location" "$floor2" "Desk 1" hot_desk 1)
for n in 2 3 4 5 6 7 8 9 10 11 12 13; do resource "$location" "$floor2" "Desk $n" hot_desk 1 >/dev/null; done
resource "$location" "$floor2" "Desk 14" dedicated_desk 1 >/dev/null
second_area=$(api POST "/locations/$second/areas" '{"name":"Main floor"}' | id)
resource "$second" "$second_area" "Harbour room" meeting_room 8 >/dev/null
for n in 1 2 3 4; do resource "$second" "$second_area" "Harbour desk $n" hot_desk 1 >/dev/null; done

api POST "/members/$ada/membership" "{\"tierId\":\"$resident\",\"channel\":\"website\"}" >/dev/null

# Console logins for the other two roles (the organisation admin comes from bootstrap): a manager of both
# locations and the front desk of Canal Street. Ada signs in to the portal with an e-mailed link.
manager_email=manager@demo.coworking.test
manager_password=demo-manager-pass
front_desk_email=desk@demo.coworking.test
front_desk_password=demo-front-desk-pass
api POST /operators "{\"email\":\"$manager_email\",\"name\":\"Mona Manager\",\"password\":\"$manager_password\",\"role\":\"location_manager\",\"locationIds\":[\"$location\",\"$second\"]}" >/dev/null
api POST /operators "{\"email\":\"$front_desk_email\",\"name\":\"Frank Desk\",\"password\":\"$front_desk_password\",\"role\":\"front_desk\",\"locationIds\":[\"$location\"]}" >/dev/null

cat <<ENV
DEMO_LOCATION_ID=$location
DEMO_SECOND_LOCATION_ID=$second
DEMO_DOOR_ID=$front
DEMO_ROOMS_DOOR_ID=$rooms
DEMO_STAIRS_DOOR_ID=$stairs
DEMO_KISI_DOOR_ID=$kisi_door
DEMO_BRIVO_DOOR_ID=$brivo_door
DEMO_SALTO_DOOR_ID=$salto_door
DEMO_MEMBER_ID=$ada
DEMO_ROOM_ID=$boardroom
DEMO_DESK_ID=$desk
DEMO_TIER_ID=$resident
DEMO_FLEX_TIER_ID=$flex
DEMO_CARD=42:10001
DEMO_PIN=482915
DEMO_SECOND_MEMBER_ID=$grace
DEMO_MEMBER_EMAIL=ada@example.test
DEMO_MANAGER_EMAIL=$manager_email
DEMO_MANAGER_PASSWORD=$manager_password
DEMO_FRONT_DESK_EMAIL=$front_desk_email
DEMO_FRONT_DESK_PASSWORD=$front_desk_password
DEMO_SECOND_CARD=42:10002
DEMO_SUSPENDED_MEMBER_ID=$alan
DEMO_SUSPENDED_CARD=9876543210
ENV
