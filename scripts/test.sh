#!/usr/bin/env bash
# `make test`: builds everything and runs every test against real NATS and PostgreSQL servers,
# which the test helpers start on free loopback ports. Ends with one summary line.
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/sdk-venv.sh"
"$ROOT/scripts/swagger-ui.sh"
mkdir -p "$DATA/logs"
BUILD_FLAGS="--build-tests" "$ROOT/scripts/build.sh"

log="$DATA/logs/test.log"
say "running the tests (full output: $log)"
# In a session of its own, so whatever a crashed test leaves running (nats-server, services)
# can be ended by its process group afterwards.
sid_file="$DATA/run/test-session"
HEAVY_SUITES="RolloutTests"
mkdir -p "$DATA/run"
run() { # swift test arguments; appends to the log; returns its status
  (cd "$ROOT" && setsid bash -c 'echo $$ >"$0"; exec swift test --skip-build "$@"' "$sid_file" "$@" >>"$log" 2>&1)
  local result=$?
  [ -s "$sid_file" ] && pkill -KILL -s "$(cat "$sid_file")" 2>/dev/null || true
  rm -f "$sid_file"
  return $result
}
: >"$log"
set +e
if [ -n "${TEST_FILTER:-}" ]; then
  run --filter "$TEST_FILTER"
  status=$?
else
  # The rolling-restart suite runs ten service processes under load: on its own afterwards, so it
  # does not starve the suites that measure how fast something happens.
  run --skip "$HEAVY_SUITES"
  status=$?
  run --filter "$HEAVY_SUITES" || status=1
fi
set -e
grep -E '^(✘|✔ Suite)|recorded an issue' "$log" || true
runs=$(grep -c "Test run with" "$log" || true)
[ "$(grep -c "Test run with .* passed" "$log" || true)" = "$runs" ] && [ "$runs" -gt 0 ] || status=1

passed=$(grep -cE '^✔ Test ".* passed' "$log" || true)
failed=$(grep -cE '^✘ Test ".* failed' "$log" || true)
echo "$passed passed, $failed failed"
exit "$status"
