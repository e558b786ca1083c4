#!/usr/bin/env bash
# `make bench`: release builds, then each benchmark prints a table measured against a baseline
# taken in the same run. Copy the tables into docs/benchmarks.md when they change.
. "$(dirname "$0")/lib.sh"
CONFIG=release "$ROOT/scripts/build.sh"
bin=$(cd "$ROOT" && swift build -c release --show-bin-path)
"$bin/messaging-bench" --seconds "${BENCH_SECONDS:-5}"
"$ROOT/scripts/bench-cluster.sh"
