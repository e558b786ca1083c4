#!/usr/bin/env bash
# What a hot-path feature's own code costs per call, from profiles rather than from the difference of
# two runs' CPU time: on this machine two identical runs at 64 connections differ by 20–60 µs per
# call (docs/benchmarks.md, "Same call, same chain"), more than the 10 µs budgets of the limits and
# the routes, so `make bench`'s with/without rows cannot settle them alone.
#
# Three calls through one private cluster (release build), in alternating rounds at 64 connections,
# with `perf record -g` on the gateway and the proxy: the small chat call naming openai/gpt-4o-mini
# (direct), the same call naming a fallback route whose first target is that model (routed), and the
# direct call from a tenant with a non-binding request limit, a key token limit and a budget
# (limited), and from that tenant's twin without limits (twin: the limited call's baseline; the
# first tenant, with its eight credentials and a route, differs in more than the limits).
# scripts/bench_profile.py charges each sample to the innermost function of the
# product's own modules on its stack (with the library and runtime work that function called) and
# prints, per process, the functions only the routed or the limited call ran, in µs per call.
#
#   scripts/bench-profile.sh           (root; needs perf: apt-get install linux-perf)
#   BENCH_ROUNDS=2 BENCH_SECONDS=8     (the defaults; BENCH_PROFILE_TOP=5: functions listed a row;
#                                      BENCH_PROFILE_KEEP=DIR: the perf scripts kept there)
#
# It is a lower bound: work a feature adds inside functions every call runs (a longer message to
# encode, say) is not in it. docs/benchmarks.md, "The features' own code", has the figures.
set -euo pipefail
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root (perf on other processes)" >&2; exit 2; }
. "$(dirname "$0")/private-cluster.sh"
rounds=${BENCH_ROUNDS:-2}
seconds=${BENCH_SECONDS:-8}

stand_in_credential
curl -fsS -o /dev/null -X POST "$base/credentials" -H "x-api-key: $key" -H 'content-type: application/json' \
  -d "{\"service\":\"anthropic\",\"key\":\"sk-ant-bench-0123456789\",\"meta\":{\"baseUrl\":\"$stand_in\"}}"
curl -fsS -o /dev/null -X POST "$base/routes" -H "x-api-key: $key" -H 'content-type: application/json' \
  -d '{"name":"bench-route","strategy":"fallback","targets":[{"service":"openai","model":"gpt-4o-mini"},{"service":"anthropic","model":"claude-3-5-haiku"}]}'
limited_tenant
direct_body='{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}'
wrk_script "$STRONGBOX_DATA/direct.lua" "$direct_body" "$key"
wrk_script "$STRONGBOX_DATA/routed.lua" '{"model":"bench-route","messages":[{"role":"user","content":"Say hello"}]}' "$key"
wrk_script "$STRONGBOX_DATA/limited.lua" "$direct_body" "$limited"
wrk_script "$STRONGBOX_DATA/twin.lua" "$direct_body" "$unlimited"

gateway=$(cat "$STRONGBOX_DATA/run/gateway.pid") proxy=$(cat "$STRONGBOX_DATA/run/proxy.pid")
profiles="$STRONGBOX_DATA/profiles"
mkdir -p "$profiles"
profile() { # variant, round: perf on the gateway and the proxy while wrk sends the variant's call
  local url="$base/v1/chat/completions" recorders=() name calls
  wrk -t1 -c64 -d1s -s "$STRONGBOX_DATA/$1.lua" "$url" >/dev/null
  for name in gateway proxy; do
    perf record -q -g -F 2999 -p "${!name}" -o "$profiles/$name.$1.$2.data" -- sleep "$seconds" >/dev/null 2>&1 &
    recorders+=($!)
  done
  calls=$(wrk -t1 -c64 -d"${seconds}s" -s "$STRONGBOX_DATA/$1.lua" "$url" | awk '/requests in/ {print $1}')
  wait "${recorders[@]}"
  for name in gateway proxy; do
    perf script -i "$profiles/$name.$1.$2.data" >"$profiles/$name.$1.$2.txt" 2>/dev/null
    rm "$profiles/$name.$1.$2.data"
    echo "$calls" >"$profiles/$name.$1.$2.calls"
  done
}
for ((round = 0; round < rounds; round++)); do
  if ((round % 2 == 0)); then order="direct routed limited twin"; else order="twin limited routed direct"; fi
  for variant in $order; do profile "$variant" "$round"; done
done

echo "The features' own code per call (perf record -g at 2,999 Hz, $rounds rounds of ${seconds} s at 64 connections;"
echo "the profiler's own cost is in every figure). Own: the functions only that call ran, with what they called."
python3 "$ROOT/scripts/bench_profile.py" "$profiles" 2999
if [ -n "${BENCH_PROFILE_KEEP:-}" ]; then mkdir -p "$BENCH_PROFILE_KEEP" && cp "$profiles"/* "$BENCH_PROFILE_KEEP"/; fi
