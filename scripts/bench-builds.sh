#!/usr/bin/env bash
# Compares two builds of the services on one private cluster, for a change too small for the
# ±10 % that separate runs of `make bench` vary by here: the services are restarted with each
# build's binaries in turn (STRONGBOX_BIN), and each turn measures the proxy chain at 64
# connections (3 s of warm-up, then BENCH_SECONDS, default 6) for its requests/s and the CPU per
# call of each chain process (the services, nats-server, PostgreSQL with its backends).
# BENCH_ROUNDS rounds (default 3), each in the order before, after, after, before: a fixed order
# favours one side (a change that did nothing measured 8–30 % faster in before/after pairs).
# Prints every turn, then the medians of each build.
#
#   scripts/bench-builds.sh BEFORE_DIR AFTER_DIR
#
# Each directory holds release binaries (gateway, vault, proxy, content, usage), e.g. copied from
# `.build/release` before and after a change.
set -euo pipefail
[ $# = 2 ] && [ -x "$1/gateway" ] && [ -x "$2/gateway" ] || {
  echo "usage: $0 BEFORE_DIR AFTER_DIR (each with release binaries of the five services)" >&2
  exit 2
}
before_dir=$(cd "$1" && pwd)
after_dir=$(cd "$2" && pwd)
. "$(dirname "$0")/private-cluster.sh"

stand_in_credential
wrk_script "$STRONGBOX_DATA/post.lua" "$chat_body" "$key"

processes=(gateway proxy vault usage content nats-server postgres)
service_pid() { cat "$STRONGBOX_DATA/run/$1.pid"; }
nats_pid() { cat "$STRONGBOX_DATA/nats/nats-server.pid"; }
process_ticks() { # one number per entry of `processes`: its CPU time so far, in clock ticks
  local service
  for service in gateway proxy vault usage content; do printf '%s ' "$(cpu_ticks "service_pid $service")"; done
  echo "$(cpu_ticks nats_pid) $(cpu_ticks postgres_pids)"
}

turn() { # build directory -> "req/s µs-per-call-of-each-process..."
  "$ROOT/scripts/services.sh" stop >/dev/null
  STRONGBOX_BIN=$1 "$ROOT/scripts/services.sh" start >/dev/null
  wrk -t1 -c64 -d3s -s "$STRONGBOX_DATA/post.lua" "$base/v1/chat/completions" >/dev/null
  local before after output
  before=$(process_ticks)
  output=$(wrk -t1 -c64 -d"${BENCH_SECONDS:-6}s" -s "$STRONGBOX_DATA/post.lua" "$base/v1/chat/completions")
  after=$(process_ticks)
  python3 - "$before" "$after" "$(echo "$output" | awk '/requests in/ {print $1}')" \
    "$(echo "$output" | awk '/Requests\/sec/ {print $2}')" <<'PY'
import sys
before, after = map(int, sys.argv[1].split()), map(int, sys.argv[2].split())
calls = int(sys.argv[3])
print(sys.argv[4], *("%.1f" % ((b - a) * 10000 / calls) for a, b in zip(before, after)))
PY
}

echo "The proxy chain at 64 connections, $before_dir (before) against $after_dir (after);"
echo "CPU µs per call of each process."
columns=$(printf ' %s |' "${processes[@]}")
echo "| round | build | req/s |$columns all |"
turns=""
for ((round = 1; round <= ${BENCH_ROUNDS:-3}; round++)); do
  for build in before after after before; do
    dir=$before_dir
    [ "$build" = after ] && dir=$after_dir
    line="$build $(turn "$dir")"
    turns+="$line"$'\n'
    echo "$line" | awk -v round="$round" '{all = 0; for (i = 3; i <= NF; i++) all += $i; $0 = $0; printf "| %d | %s |", round, $1; for (i = 2; i <= NF; i++) printf " %s |", $i; printf " %.1f |\n", all}'
  done
done
echo
echo "Medians of $((${BENCH_ROUNDS:-3} * 2)) turns each"
echo "| build | req/s |$columns all |"
python3 - "$turns" <<'PY'
import statistics, sys
turns = {}
for line in sys.argv[1].splitlines():
    build, *values = line.split()
    numbers = [float(v) for v in values]
    turns.setdefault(build, []).append(numbers + [sum(numbers[1:])])
for build in ("before", "after"):
    columns = zip(*turns[build])
    print("| " + build + " | " + " | ".join("%.1f" % statistics.median(c) for c in columns) + " |")
PY
