#!/usr/bin/env bash
# Compares two builds of the services on one private cluster, for a change too small for the
# ±10 % that separate runs of `make bench` vary by here: the services are restarted with each
# build's binaries in turn (STRONGBOX_BIN), and each turn measures the proxy chain at 64
# connections (3 s of warm-up, then BENCH_SECONDS, default 8) for its requests/s and the CPU per
# call of every chain process (services, nats-server, PostgreSQL), BENCH_ROUNDS pairs (default 3).
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

curl -fsS -o /dev/null -X POST "$base/credentials" -H "x-api-key: $key" -H 'content-type: application/json' \
  -d "{\"service\":\"openai\",\"key\":\"sk-bench-openai-0123456789\",\"meta\":{\"baseUrl\":\"$stand_in\"}}"
wrk_script "$STRONGBOX_DATA/post.lua" '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}' "$key"

turn() { # build directory -> "req/s|CPU µs per call"
  "$ROOT/scripts/services.sh" stop >/dev/null
  STRONGBOX_BIN=$1 "$ROOT/scripts/services.sh" start >/dev/null
  wrk -t1 -c64 -d3s -s "$STRONGBOX_DATA/post.lua" "$base/v1/chat/completions" >/dev/null
  local before after output requests
  before=$(cpu_ticks chain_pids)
  output=$(wrk -t1 -c64 -d"${BENCH_SECONDS:-8}s" -s "$STRONGBOX_DATA/post.lua" "$base/v1/chat/completions")
  after=$(cpu_ticks chain_pids)
  requests=$(echo "$output" | awk '/requests in/ {print $1}')
  echo "$(echo "$output" | awk '/Requests\/sec/ {print $2}')|$(((after - before) * 10000 / requests))"
}

echo "The proxy chain at 64 connections, $before_dir (before) against $after_dir (after), alternating"
echo "| pair | before req/s | after req/s | before CPU µs/call | after CPU µs/call |"
echo "|------|--------------|-------------|--------------------|-------------------|"
for ((pair = 1; pair <= ${BENCH_ROUNDS:-3}; pair++)); do
  IFS='|' read -r b_rps b_cpu <<<"$(turn "$before_dir")"
  IFS='|' read -r a_rps a_cpu <<<"$(turn "$after_dir")"
  echo "| $pair | $b_rps | $a_rps | $b_cpu | $a_cpu |"
done
