#!/usr/bin/env bash
# `make test`: builds everything and runs every test against real NATS and PostgreSQL servers,
# which the test helpers start on free loopback ports. Ends with one summary line.
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/sdk-venv.sh"
mkdir -p "$DATA/logs"
BUILD_FLAGS="--build-tests" "$ROOT/scripts/build.sh"

log="$DATA/logs/test.log"
say "running the tests (full output: $log)"
# In a session of its own, so whatever a crashed test leaves running (nats-server, services)
# can be ended by its process group afterwards.
sid_file="$DATA/run/test-session"
mkdir -p "$DATA/run"
set +e
(cd "$ROOT" && setsid bash -c 'echo $$ >"$0"; exec swift test --skip-build ${1:+--filter "$1"}' \
  "$sid_file" "${TEST_FILTER:-}" >"$log" 2>&1)
status=$?
set -e
[ -s "$sid_file" ] && pkill -KILL -s "$(cat "$sid_file")" 2>/dev/null || true
rm -f "$sid_file"
grep -E '^(✘|✔ Suite)|recorded an issue' "$log" || true
grep -q "Test run with .* passed" "$log" || status=1

passed=$(grep -cE '^✔ Test ".* passed' "$log" || true)
failed=$(grep -cE '^✘ Test ".* failed' "$log" || true)
echo "$passed passed, $failed failed"
exit "$status"
