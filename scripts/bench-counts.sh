#!/usr/bin/env bash
# Counts what each process of the proxy chain and of the floor does per call, exactly, where CPU
# time per call varies by ±10 % between identical runs on this machine: heap allocations (a uprobe
# on libc's malloc), task enqueues (a uprobe on the Swift runtime's swift_task_enqueue: a task
# handed to an executor, i.e. a hop or a loop turn), system calls and context switches, with
# `perf stat` on each process while wrk sends the chain's small chat call (16 connections, 4 s).
# The counts hardly move with load or noise: a change that saves work shows in them directly.
# The uprobes slow every call, so the CPU column is for comparing rows, not for the targets.
#
#   scripts/bench-counts.sh            (root; needs perf: apt-get install linux-perf)
#
# docs/benchmarks.md, "Counted per call", says what the counts found.
set -euo pipefail
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root (uprobes)" >&2; exit 2; }
. "$(dirname "$0")/private-cluster.sh"

libc=$(ldconfig -p | awk '/libc.so.6 .*x86-64/ {path = $NF} END {print path}')
concurrency=$(dirname "$(readlink -f "$(command -v swift)")")/../lib/swift/linux/libswift_Concurrency.so
added=()
events=raw_syscalls:sys_enter,context-switches,task-clock
probe() { # library, function: the uprobe probe_<library>:<function> (added unless there) joins $events
  local event
  event="probe_$(basename "$1" | sed 's/\.so.*//; s/[^A-Za-z0-9_]/_/g'):$2"
  if ! perf probe -l 2>/dev/null | grep -q "^ *$event "; then
    perf probe -q -x "$1" --add "$2"
    added+=("$event")
  fi
  events="$event,$events"
}
probe "$libc" malloc
probe "$concurrency" swift_task_enqueue
remove_probes() { for event in "${added[@]}"; do perf probe -q -d "$event" || true; done; }
trap 'kill ${floor_front:-} ${floor_back:-} 2>/dev/null; remove_probes; cleanup' EXIT

stand_in_credential
wrk_script "$STRONGBOX_DATA/post.lua" "$chat_body"
start_floor

count() { # URL, API key or "", then name=pid pairs: one table row per process
  local url=$1 header=() name calls
  [ -n "$2" ] && header=(-H "x-api-key: $2")
  shift 2
  wrk -t1 -c16 -d1s -s "$STRONGBOX_DATA/post.lua" "${header[@]}" "$url" >/dev/null
  local counters=()
  for pair in "$@"; do
    perf stat -x, -e "$events" -p "${pair#*=}" -o "$STRONGBOX_DATA/count.${pair%%=*}" sleep 5 &
    counters+=($!)
  done
  sleep 0.5
  calls=$(wrk -t1 -c16 -d4s -s "$STRONGBOX_DATA/post.lua" "${header[@]}" "$url" | awk '/requests in/ {print $1}')
  wait "${counters[@]}"
  for pair in "$@"; do
    name=${pair%%=*}
    awk -F, -v name="$name" -v calls="$calls" '
      /malloc/ {m = $1} /swift_task_enqueue/ {q = $1} /raw_syscalls/ {s = $1} /context-switches/ {c = $1}
      /task-clock/ {t = $1}
      END {printf "| %-12s | %10.1f | %13.1f | %12.1f | %16.2f | %13.0f |\n", name, m / calls, q / calls, s / calls, c / calls, t * 1000 / calls}
    ' "$STRONGBOX_DATA/count.$name"
  done
}

echo "Per call, the proxy chain and the floor (wrk -c16, 4 s; uprobes on malloc and swift_task_enqueue)."
echo "| process      | allocations | task enqueues | system calls | context switches | CPU µs (probed) |"
echo "|--------------|-------------|---------------|--------------|------------------|-----------------|"
count "$base/v1/chat/completions" "$key" gateway="$(cat "$STRONGBOX_DATA/run/gateway.pid")" proxy="$(cat "$STRONGBOX_DATA/run/proxy.pid")" \
  usage="$(cat "$STRONGBOX_DATA/run/usage.pid")" nats-server="$(cat "$STRONGBOX_DATA/nats/nats-server.pid")"
count "http://127.0.0.1:$floor_port/v1/chat/completions" "" floor-front="$floor_front" floor-back="$floor_back" \
  nats-floor="$(cat "$STRONGBOX_DATA/nats/nats-server.pid")"
# The same call from a tenant with three non-binding limits (issue 15's budget): what they add per call.
limited_tenant
count "$base/v1/chat/completions" "$limited" gateway-limits="$(cat "$STRONGBOX_DATA/run/gateway.pid")" \
  proxy-limits="$(cat "$STRONGBOX_DATA/run/proxy.pid")" usage-limits="$(cat "$STRONGBOX_DATA/run/usage.pid")" \
  nats-limits="$(cat "$STRONGBOX_DATA/nats/nats-server.pid")"
