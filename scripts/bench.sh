#!/usr/bin/env bash
# `make bench`: release builds, then each benchmark prints a table measured against a baseline
# taken in the same run. Copy the tables into docs/benchmarks.md when they change.
. "$(dirname "$0")/lib.sh"
CONFIG=release "$ROOT/scripts/build.sh"
bin=$(cd "$ROOT" && swift build -c release --show-bin-path)
"$bin/messaging-bench" --seconds "${BENCH_SECONDS:-5}"
"$ROOT/scripts/bench-cluster.sh"
# The routes' and the limits' budgets are a few µs a call, below what the differences of runs above
# resolve on a shared machine: their own code per call, from profiles of the same run's calls.
if [ "$(id -u)" = 0 ] && command -v perf >/dev/null; then
  "$ROOT/scripts/bench-profile.sh"
else
  echo "(the features' own code per call skipped: scripts/bench-profile.sh needs root and perf, apt-get install linux-perf)"
fi
