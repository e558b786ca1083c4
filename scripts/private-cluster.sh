#!/usr/bin/env bash
# Sourced by the benchmarks and the soak: starts a private cluster (its own data directory, .env,
# ports and secrets; NATS, PostgreSQL and the five services as release builds, on free ports) and
# the stand-in provider in front of it. Everything stops, and the directory goes, when the sourcing
# script exits; BENCH_DEBUG=1 leaves them running. Sets: bin, base (the gateway), stand_in (its
# URL), key (a tenant's admin API key) and PROXY_OPS_PORT (the proxy's /metrics).
# Set before lib.sh reads them: the private data directory and .env.
STRONGBOX_DATA=$(mktemp -d /tmp/strongbox-bench-XXXXXX)
export STRONGBOX_DATA STRONGBOX_ENV="$STRONGBOX_DATA/.env"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

any_free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

[ "$(id -u)" = 0 ] && chmod 755 "$STRONGBOX_DATA"
cleanup() {
  if [ -n "${BENCH_DEBUG:-}" ]; then
    echo "cluster left running in $STRONGBOX_DATA (logs under logs/); stand-in: $stand_in (pid $stand_in_pid)"
    return
  fi
  [ -n "${stand_in_pid:-}" ] && kill "$stand_in_pid" 2>/dev/null
  "$ROOT/scripts/stop.sh" >/dev/null 2>&1 || true
  rm -rf "$STRONGBOX_DATA"
}
trap cleanup EXIT

"$ROOT/scripts/env.sh" >/dev/null
load_env
# Run alone too (not only from `make bench`): never against release binaries older than the sources.
CONFIG=release "$ROOT/scripts/build.sh" >/dev/null
bin=$(cd "$ROOT" && swift build -c release --show-bin-path)

# The stand-in provider, fast enough not to be the bottleneck.
"$bin/stand-in-provider" >"$STRONGBOX_DATA/stand-in.log" 2>&1 &
stand_in_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$STRONGBOX_DATA/stand-in.log" 2>/dev/null && break; sleep 0.1; done
stand_in="http://127.0.0.1:$(sed -n 's/listening on //p' "$STRONGBOX_DATA/stand-in.log")"

PROXY_OPS_PORT=$(any_free_port)
export PROXY_OPS_PORT CONFIG=release RATE_LIMIT_PER_MINUTE=10000000 RATE_LIMIT_ANONYMOUS_PER_MINUTE=0 LOG_LEVEL=warning PROXY_ALLOWED_BASE_URLS="$stand_in"
"$ROOT/scripts/nats.sh" start >/dev/null
"$ROOT/scripts/postgres.sh" start >/dev/null
"$ROOT/scripts/services.sh" start >/dev/null

base="http://127.0.0.1:$SERVER_PORT"
create_tenant() { # name -> a new tenant's admin API key
  curl -fsS -X POST "$base/tenants" -H "x-admin-key: $ADMIN_API_KEY" -H 'content-type: application/json' \
    -d "{\"name\":\"$1\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])'
}
key=$(create_tenant Bench)

service_rss() { # one line per running service: its name, resident set, proportional set and anonymous memory, in kB
  local service pid
  for service in "${SERVICES[@]}"; do
    pid=$(running_pid "$DATA/run/$service.pid") &&
      echo "$service $(awk '/^(Rss|Pss|Anonymous):/ {printf "%s ", $2}' "/proc/$pid/smaps_rollup")"
  done
}
floor_part() { # front|back, then its options: a part of the floor (Tools/chain-floor) on the private NATS;
  # run it in the background (`floor_part back ... &`): it execs, so `$!` is the floor's pid.
  exec "$bin/chain-floor" "$1" --nats-url "$NATS_URL" --user operator --password "$NATS_OPERATOR_PASSWORD" "${@:2}"
}
start_floor() { # the floor's back end (calling the stand-in) and its front; sets floor_back, floor_front, floor_port
  floor_port=$(any_free_port)
  floor_part back --upstream "$stand_in" >"$STRONGBOX_DATA/logs/floor-back.log" 2>&1 &
  floor_back=$!
  floor_part front --port "$floor_port" >"$STRONGBOX_DATA/logs/floor-front.log" 2>&1 &
  floor_front=$!
  wait_for_port "$floor_port" 30
}
stand_in_credential() { # [API key, the tenant's by default]: an OpenAI credential (the default one) at the stand-in
  curl -fsS -o /dev/null -X POST "$base/credentials" -H "x-api-key: ${1:-$key}" -H 'content-type: application/json' \
    -d "{\"service\":\"openai\",\"key\":\"sk-bench-openai-0123456789\",\"meta\":{\"baseUrl\":\"$stand_in\"}}"
}
new_tenant() { # name -> a new tenant's admin API key, with an OpenAI credential at the stand-in
  local tenant_key
  tenant_key=$(create_tenant "$1")
  stand_in_credential "$tenant_key"
  echo "$tenant_key"
}
limited_tenant() { # a second tenant with a non-binding tenant request limit, a token limit on its key and a
  # budget (what issue 15's budget is measured with), and its twin without limits (the first tenant
  # has more credentials, which the calls' cost may notice), each with one OpenAI
  # credential at the stand-in; sets limited and unlimited (their keys)
  local key_id limit
  limited=$(new_tenant "Bench limits")
  unlimited=$(new_tenant "Bench no limits")
  key_id=$(curl -fsS "$base/auth/me" -H "x-api-key: $limited" | python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"]["id"])')
  for limit in '{"requests":1000000000,"window":"minute"}' \
      "{\"apiKeyId\":\"$key_id\",\"tokens\":1000000000000,\"window\":\"hour\"}" \
      '{"budgetMicroUsd":1000000000000,"period":"month"}'; do
    curl -fsS -o /dev/null -X POST "$base/limits" -H "x-api-key: $limited" -H 'content-type: application/json' -d "$limit"
  done
}
chat_body='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}' # the chain's small chat call
wrk_script() { # file, JSON body, [API key]: a wrk script that POSTs the body
  {
    echo 'wrk.method = "POST"'
    echo "wrk.body = '$2'"
    echo 'wrk.headers["Content-Type"] = "application/json"'
    [ -z "${3:-}" ] || echo "wrk.headers[\"x-api-key\"] = \"$3\""
  } >"$1"
}
postgres_pids() { # the private PostgreSQL: its postmaster and backends
  local postmaster
  for postmaster in $(pgrep -f "postgres -D $STRONGBOX_DATA" 2>/dev/null); do
    echo "$postmaster"
    pgrep -P "$postmaster" || true
  done
}
chain_pids() { # the chain's processes: the services, nats-server, PostgreSQL and its backends
  cat "$STRONGBOX_DATA"/run/*.pid "$STRONGBOX_DATA/nats/nats-server.pid" 2>/dev/null
  postgres_pids
}
process_ticks() { # -> the chain's CPU time by process, in clock ticks: gateway proxy usage vault+content nats-server PostgreSQL
  local service out=""
  for service in gateway proxy usage; do out+="$(cpu_ticks "cat $STRONGBOX_DATA/run/$service.pid") "; done
  out+="$(cpu_ticks "cat $STRONGBOX_DATA/run/vault.pid $STRONGBOX_DATA/run/content.pid") "
  out+="$(cpu_ticks "cat $STRONGBOX_DATA/nats/nats-server.pid") $(cpu_ticks postgres_pids)"
  echo "$out"
}
cpu_ticks() { # pid-listing command -> user + system time of those processes and their reaped children, in clock ticks
  local total=0 pid ticks
  for pid in $($1); do
    # A PostgreSQL backend can end between the listing and the read: it counts nothing then.
    ticks=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null) && total=$((total + ${ticks:-0}))
  done
  echo "$total"
}
