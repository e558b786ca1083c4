#!/usr/bin/env bash
# The benchmarks that need the whole cluster, run on a private one (its own NATS, PostgreSQL and
# release services, on free ports):
# - the gateway: HTTP round trips per second for an authenticated GET (`/auth/me` with a tenant
#   API key: authentication, authorization, rate limiting) against `/healthz` (no
#   authentication), both with wrk in the same run;
# - the vault: audited releases per second over NATS with 64 in flight against `$SRV.PING.vault`,
#   and AES-256-GCM rates (Tools/vault-bench).
# A private cluster: its own data directory, .env, ports and secrets (set before lib.sh reads them).
STRONGBOX_DATA=$(mktemp -d /tmp/strongbox-bench-XXXXXX)
export STRONGBOX_DATA STRONGBOX_ENV="$STRONGBOX_DATA/.env"
. "$(dirname "$0")/lib.sh"

command -v wrk >/dev/null || {
  say "installing wrk"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq wrk >/dev/null 2>&1 || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; }
}

[ "$(id -u)" = 0 ] && chmod 755 "$STRONGBOX_DATA"
cleanup() {
  "$ROOT/scripts/stop.sh" >/dev/null 2>&1 || true
  rm -rf "$STRONGBOX_DATA"
}
trap cleanup EXIT
[ -n "${BENCH_DEBUG:-}" ] && trap - EXIT

"$ROOT/scripts/env.sh" >/dev/null
load_env
export CONFIG=release RATE_LIMIT_PER_MINUTE=10000000 LOG_LEVEL=warning
"$ROOT/scripts/nats.sh" start >/dev/null
"$ROOT/scripts/postgres.sh" start >/dev/null
"$ROOT/scripts/services.sh" start >/dev/null

base="http://127.0.0.1:$SERVER_PORT"
key=$(curl -fsS -X POST "$base/tenants" -H "x-admin-key: $ADMIN_API_KEY" -H 'content-type: application/json' \
  -d '{"name":"Bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])')

seconds=${BENCH_SECONDS:-5}
connections=${BENCH_CONNECTIONS:-32}
run() { # name, path, [header]
  local output
  if [ -n "${3:-}" ]; then
    output=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency -H "$3" "$base$2")
  else
    output=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency "$base$2")
  fi
  local rps p50 p99 errors
  rps=$(echo "$output" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$output" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$output" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$output" | awk '/Non-2xx/ {print $5}')
  echo "$1|$rps|$p50|$p99|${errors:-0}"
}

# Warm up, then alternate the two cases ROUNDS times and keep each one's median run, so a burst
# of noise on this shared machine does not decide the ratio.
wrk -t1 -c8 -d1s "$base/healthz" >/dev/null
wrk -t1 -c8 -d1s -H "x-api-key: $key" "$base/auth/me" >/dev/null
rounds=${BENCH_ROUNDS:-3}
health_runs="" auth_runs=""
for ((round = 0; round < rounds; round++)); do
  health_runs+=$(run "GET /healthz (no auth)" /healthz)$'\n'
  auth_runs+=$(run "GET /auth/me (API key)" /auth/me "x-api-key: $key")$'\n'
done
median() { grep . | sort -t'|' -k2 -g | sed -n "$(((rounds + 1) / 2))p"; }
health=$(printf '%s' "$health_runs" | median)
auth=$(printf '%s' "$auth_runs" | median)

echo
echo "Gateway HTTP round trips, wrk -t1 -c$connections, ${seconds} s per run, median of $rounds alternating runs, release build"
echo "| request                  | requests/s | p50      | p99      | non-2xx | vs /healthz |"
echo "|--------------------------|------------|----------|----------|---------|-------------|"
IFS='|' read -r name rps p50 p99 errors <<<"$health"
printf "| %-24s | %10.0f | %-8s | %-8s | %7s | %-11s |\n" "$name" "$rps" "$p50" "$p99" "$errors" "1.00"
base_rps=$rps
IFS='|' read -r name rps p50 p99 errors <<<"$auth"
ratio=$(python3 -c "print(f'{$rps / $base_rps:.2f}')")
printf "| %-24s | %10.0f | %-8s | %-8s | %7s | %-11s |\n" "$name" "$rps" "$p50" "$p99" "$errors" "$ratio"

# The vault: store credentials for a tenant, then release them as the proxy would.
services="openai anthropic groq mistral cohere together deepseek openrouter"
for service in $services; do
  curl -fsS -o /dev/null -X POST "$base/credentials" -H "x-api-key: $key" -H 'content-type: application/json' \
    -d "{\"service\":\"$service\",\"key\":\"sk-bench-$service-0123456789abcdef\"}"
done
tenant=$(curl -fsS "$base/auth/me" -H "x-api-key: $key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tenant"]["id"])')
bin=$(cd "$ROOT" && swift build -c release --show-bin-path)
echo
"$bin/vault-bench" --nats-url "$NATS_URL" --password "$NATS_PROXY_PASSWORD" --operator-password "$NATS_OPERATOR_PASSWORD" --tenant "$tenant" \
  --services "$(echo $services | tr ' ' ',')" --seconds "$seconds"
