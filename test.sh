#!/usr/bin/env bash
# Install what is missing, build, and run every test against the real parts (PostgreSQL, mosquitto,
# socat ptys, Chromium). The last line is the tally: "N passed, N failed[, N skipped]".
#   ./test.sh                 every test project
#   ./test.sh --filter EXPR   passed to dotnet test (e.g. --filter FullyQualifiedName~Bookings)
set -euo pipefail
cd "$(dirname "$0")"
top=$(pwd)
say() { echo "[test] $*"; }

say "checking system packages"
deploy/local/install-deps.sh --browser

say "building"
dotnet build Coworking.sln -c Debug -nologo -v quiet -clp:ErrorsOnly

results=$top/.local/test-results
pgdir=$top/.local/test-pg/run
rm -rf "$results"
mkdir -p "$results" "$top/.local/test-pg"

cleanup() { deploy/local/pg-stop.sh "$pgdir" || true; rm -rf "$(readlink -f "$pgdir")" "$pgdir"; }
trap cleanup EXIT
say "starting a private PostgreSQL for this run"
COWORKING_TEST_PG=$(PG_FSYNC=off deploy/local/pg-start.sh "$pgdir")
export COWORKING_TEST_PG

say "running tests"
# Browser tests drive Debian's chromium; Playwright must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
set +e
dotnet test Coworking.sln --no-build -nologo --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$results" --blame-hang-timeout 10m "$@" 2>&1 | tee "$results/console.log" \
  | grep -E '^\s*(Passed|Failed|Skipped) |error|Error Message|Results File|Total tests|Passed!|Failed!' 
status=${PIPESTATUS[0]}
set -e

passed=0; failed=0; skipped=0; files=0
for f in "$results"/*.trx; do
  [ -e "$f" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  total=$(get total); executed=$(get executed)
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + total - executed))
done
if [ "$files" = 0 ]; then
  say "no test results were written (see $results/console.log)"
  failed=$((failed + 1))
fi
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
  say "dotnet test exited with $status (see $results/console.log)"
  failed=1
fi
tally="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && tally="$tally, $skipped skipped"
echo "$tally"
[ "$failed" = 0 ]
