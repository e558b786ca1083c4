#!/usr/bin/env bash
# `make test`: builds everything and runs every test against real NATS and PostgreSQL servers,
# which the test helpers start on free loopback ports. Ends with one summary line.
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/install-deps.sh"
mkdir -p "$DATA/logs"
BUILD_FLAGS="--build-tests" "$ROOT/scripts/build.sh"

log="$DATA/logs/test.log"
status=0
(cd "$ROOT" && swift test --skip-build ${TEST_FILTER:+--filter "$TEST_FILTER"} 2>&1) | tee "$log" | grep -E '^(✘|✔ Suite|✔ Test run|Test run)|recorded an issue' || true
status=${PIPESTATUS[0]}
grep -q "Test run with .* passed" "$log" || status=1

passed=$(grep -cE '^✔ Test .* passed' "$log" || true)
failed=$(grep -cE '^✘ Test .* failed' "$log" || true)
echo "$passed passed, $failed failed"
exit "$status"
