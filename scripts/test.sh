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
HEAVY_SUITES="RolloutTests|FaultTests"
mkdir -p "$DATA/run"
# A run whose log has not grown for TEST_STALL_MINUTES (default 10; every test is bounded well
# below that) is stuck: say so (with every thread's stack when gdb is installed, in
# $DATA/logs/stall-*.txt) and end it, rather than use up CI's time.
watchdog() { # the run's session file
  local size=-1 still=0 pid
  while sleep 30; do
    [ -s "$1" ] || continue
    if [ "$(stat -c %s "$log")" != "$size" ]; then size=$(stat -c %s "$log"); still=0; continue; fi
    still=$((still + 30))
    [ "$still" -ge $((${TEST_STALL_MINUTES:-10} * 60)) ] || continue
    printf "\n✘ the test run stalled: nothing logged for %s minutes\n" "${TEST_STALL_MINUTES:-10}" >>"$log"
    if command -v gdb >/dev/null; then
      for pid in $(pgrep -s "$(cat "$1")" -f xctest || true); do
        gdb -p "$pid" -batch -ex "thread apply all bt" >"$DATA/logs/stall-$pid.txt" 2>&1 || true
        echo "  stacks of $pid: $DATA/logs/stall-$pid.txt" >>"$log"
        grep -E '^(Thread|#[0-9])' "$DATA/logs/stall-$pid.txt" | cut -c1-200 >&2 || true
      done
    fi
    pkill -KILL -s "$(cat "$1")" 2>/dev/null || true
    return
  done
}
run() { # swift test arguments; appends to the log; returns its status
  watchdog "$sid_file" &
  local watcher=$!
  (cd "$ROOT" && setsid bash -c 'echo $$ >"$0"; exec swift test --skip-build "$@"' "$sid_file" "$@" >>"$log" 2>&1)
  local result=$?
  kill "$watcher" 2>/dev/null || true
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
  # The rolling-restart and fault suites run clusters of service processes (and NATS nodes)
  # under load: on their own afterwards, so they do not starve the suites that measure how fast
  # something happens.
  run --skip "$HEAVY_SUITES"
  status=$?
  run --filter "$HEAVY_SUITES" || status=1
fi
set -e
grep -E '^(✘|✔ Suite)|recorded an issue' "$log" || true
runs=$(grep -c "Test run with" "$log" || true)
[ "$(grep -c "Test run with .* passed" "$log" || true)" = "$runs" ] && [ "$runs" -gt 0 ] || status=1

# Counted from each run's last line ("Test run with N tests ..."): the runner does not log an end
# line for every test.
awk '/^(✔|✘) Test run with [0-9]+ test/ { total += $5 }
  /^✘ Test / && !/^✘ Test run with/ && / failed after/ { failed++ }
  END { printf "%d passed, %d failed\n", total - failed, failed }' "$log"
exit "$status"
