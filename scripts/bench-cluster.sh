#!/usr/bin/env bash
# The benchmarks that need the whole cluster, run on a private one (its own NATS, PostgreSQL and
# release services, on free ports):
# - the gateway: HTTP round trips per second for an authenticated GET (`/auth/me` with a tenant
#   API key: authentication, authorization, rate limiting) against `/healthz` (no
#   authentication), both with wrk in the same run;
# - the vault: audited releases per second over NATS with 64 in flight against `$SRV.PING.vault`,
#   and AES-256-GCM rates (Tools/vault-bench);
# - the proxy: the whole chain (gateway → proxy → vault lease → stand-in provider) against the
#   stand-in called directly and against the floor (Tools/chain-floor: an HTTP front, a NATS hop and
#   an HTTP client, nothing else), at 1, 16 and 64 connections: requests/s, the latency each adds,
#   and the CPU time per request of their processes; and the time to a stream's first event;
#   and the same chain for a tenant with limits (a non-binding tenant request limit, a key token
#   limit and a budget) against a tenant without, with the ledger round trips per 1,000 calls;
# - usage: events ingested per second, publish → committed rollup, against publishing alone, and
#   the lag under a sustained 5,000 events/s (Tools/usage-bench).
# - content: public content reads per second through the gateway, served from its cache and
#   (with a query parameter that makes every URL new) from the content service, against
#   `/healthz`; and schema validations per second against parsing the JSON (Tools/schema-bench).
# - flows: a mutation batch inserting 500 nodes and 499 edges against creating the same chart
#   with one POST /flows (scripts/bench_flows.py).
# - memory: each service's resident set idle after start and at the end of the proxy load.
# BENCH_ONLY=gateway,vault,proxy,usage,content,flows picks sections (default: all).
. "$(dirname "$0")/private-cluster.sh"
command -v wrk >/dev/null || {
  say "installing wrk"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq wrk >/dev/null 2>&1 || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; }
}
# What each service holds right after start, before any load (a table at the end of the proxy part).
rss_idle=$(service_rss)

want() { [ -z "${BENCH_ONLY:-}" ] || [[ ",$BENCH_ONLY," == *",$1,"* ]]; }
seconds=${BENCH_SECONDS:-5}
connections=${BENCH_CONNECTIONS:-32}
run() { # name, path, [header], [wrk script] -> name|rps|p50|p99|non-2xx
  local args=(-t1 -c"$connections" -d"${seconds}s" --latency) output
  [ -n "${3:-}" ] && args+=(-H "$3")
  [ -n "${4:-}" ] && args+=(-s "$4")
  output=$(wrk "${args[@]}" "$base$2")
  local rps p50 p99 errors
  rps=$(echo "$output" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$output" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$output" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$output" | awk '/Non-2xx/ {print $5}')
  echo "$1|$rps|$p50|$p99|${errors:-0}"
}
# Cases are run ROUNDS times, alternating, and each one's median run is kept, so a burst of
# noise on this shared machine does not decide the ratio. An even number (an odd BENCH_ROUNDS is
# rounded up), so each of a pair goes first as often as the other: six rounds of floor, then the
# two tenants of the limits table, measured the run right after the floor's ~20 µs per call
# cheaper (docs/benchmarks.md), and with three rounds one side had that place twice.
rounds=${BENCH_ROUNDS:-4}
rounds=$((rounds + rounds % 2))
median() { grep . | sort -t'|' -k2 -g | sed -n "$(((rounds + 1) / 2))p"; }
ratio_table() { # title, then each case's runs (the first is the baseline): the medians as a table
  local title=$1 base_rps="" runs name rps p50 p99 errors ratio
  shift
  echo
  echo "$title, wrk -t1 -c$connections, ${seconds} s per run, median of $rounds alternating runs, release build"
  echo "| request                  | requests/s | p50      | p99      | non-2xx | vs baseline |"
  echo "|--------------------------|------------|----------|----------|---------|-------------|"
  for runs in "$@"; do
    IFS='|' read -r name rps p50 p99 errors <<<"$(printf '%s' "$runs" | median)"
    base_rps=${base_rps:-$rps}
    ratio=$(python3 -c "print(f'{$rps / $base_rps:.2f}')")
    printf "| %-24s | %10.0f | %-8s | %-8s | %7s | %-11s |\n" "$name" "$rps" "$p50" "$p99" "${errors:-0}" "$ratio"
  done
}

if want gateway; then
wrk -t1 -c8 -d1s "$base/healthz" >/dev/null
wrk -t1 -c8 -d1s -H "x-api-key: $key" "$base/auth/me" >/dev/null
health_runs="" auth_runs=""
for ((round = 0; round < rounds; round++)); do
  health_runs+=$(run "GET /healthz (no auth)" /healthz)$'\n'
  auth_runs+=$(run "GET /auth/me (API key)" /auth/me "x-api-key: $key")$'\n'
done
ratio_table "Gateway HTTP round trips" "$health_runs" "$auth_runs"
fi

# The vault: store credentials for a tenant, then release them as the proxy would.
services="openai anthropic groq mistral cohere together deepseek openrouter"
for service in $services; do
  curl -fsS -o /dev/null -X POST "$base/credentials" -H "x-api-key: $key" -H 'content-type: application/json' \
    -d "{\"service\":\"$service\",\"key\":\"sk-bench-$service-0123456789abcdef\"}"
done
if want vault; then
tenant=$(curl -fsS "$base/auth/me" -H "x-api-key: $key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tenant"]["id"])')
echo
"$bin/vault-bench" --nats-url "$NATS_URL" --password "$NATS_PROXY_PASSWORD" --operator-password "$NATS_OPERATOR_PASSWORD" \
  --ticket-secret "$RELEASE_TICKET_SECRET" --tenant "$tenant" \
  --services "$(echo $services | tr ' ' ',')" --seconds "$seconds"
fi

if want proxy; then
# The proxy: the whole chain against the stand-in alone.
curl -fsS -o /dev/null -X POST "$base/credentials" -H "x-api-key: $key" -H 'content-type: application/json' \
  -d "{\"service\":\"openai\",\"name\":\"bench\",\"key\":\"sk-bench-openai-0123456789\",\"meta\":{\"baseUrl\":\"$stand_in\"}}"
stand_in_credential
wrk_script "$STRONGBOX_DATA/post.lua" "$chat_body"
floor_pids() { # the floor's processes (Tools/chain-floor) and nats-server
  echo "$floor_front $floor_back"
  cat "$STRONGBOX_DATA/nats/nats-server.pid"
}
measure() { # url, connections, pid-listing function, [header], [wrk script] -> rps|p50|p99|requests|cpu ticks|non-2xx
  local before after output args=(-t1 -c"$2" -d"${seconds}s" --latency -s "${5:-$STRONGBOX_DATA/post.lua}")
  [ -n "${4:-}" ] && args+=(-H "$4")
  before=$(cpu_ticks "$3")
  output=$(wrk "${args[@]}" "$1")
  after=$(cpu_ticks "$3")
  echo "$(echo "$output" | awk '/Requests\/sec/ {print $2}')|$(echo "$output" | awk '$1 == "50%" {print $2}')|$(echo "$output" | awk '$1 == "99%" {print $2}')|$(echo "$output" | awk '/requests in/ {print $1}')|$((after - before))|$(echo "$output" | awk '/Non-2xx/ {print $5}')"
}
no_pids() { :; }
# Two variants of one call through the chain in alternating runs (which goes first alternating too:
# a run pays for the usage events the one before left behind): one table row of their medians.
compare_pair() { # connections, url A, wrk script A, url B, wrk script B
  local a_runs="" b_runs="" round
  for ((round = 0; round < rounds; round++)); do
    if ((round % 2 == 1)); then b_runs+=$(measure "$4" "$1" chain_pids "" "$5")$'\n'; fi
    a_runs+=$(measure "$2" "$1" chain_pids "" "$3")$'\n'
    if ((round % 2 == 0)); then b_runs+=$(measure "$4" "$1" chain_pids "" "$5")$'\n'; fi
  done
  python3 - "$1" "$a_runs" "$b_runs" <<'PY'
import statistics, sys
def parse(text):
    return [line.split("|") for line in text.strip().splitlines() if line]
clients, a, b = sys.argv[1], parse(sys.argv[2]), parse(sys.argv[3])
def cpu(rows):
    return statistics.median(int(row[4]) * 10_000 / max(int(row[3]), 1) for row in rows)
def p50(rows):
    return sorted(rows, key=lambda row: float(row[0]))[len(rows) // 2][1]
a_rps, b_rps = statistics.median(float(r[0]) for r in a), statistics.median(float(r[0]) for r in b)
errors = sum(int(row[5] or 0) for row in a + b)
print(f"| {clients:>11} | {a_rps:12.0f} | {b_rps:12.0f} | {b_rps / a_rps:.3f}× | {p50(a):>10} | {p50(b):>10} "
      f"| {cpu(a):17.0f} | {cpu(b):17.0f} | {cpu(b) - cpu(a):+6.0f} µs | {errors:>7} |")
PY
}

# The floor: an HTTP front and a NATS back end calling the stand-in, with nothing of the product's
# own (no authentication, credential, usage event or logging): what this architecture costs at least.
start_floor
# A second front asks with the streamed-reply protocol the gateway uses for every proxied call.
streamed_port=$(any_free_port)
floor_part front --port "$streamed_port" --streamed >"$STRONGBOX_DATA/logs/floor-streamed.log" 2>&1 &
streamed_front=$!
wait_for_port "$streamed_port" 30
floor="http://127.0.0.1:$floor_port"
wrk -t1 -c8 -d1s -s "$STRONGBOX_DATA/post.lua" "$floor/v1/chat/completions" >/dev/null
wrk -t1 -c8 -d1s -s "$STRONGBOX_DATA/post.lua" -H "x-api-key: $key" "$base/v1/chat/completions" >/dev/null
echo
echo "Proxy chain (gateway → proxy → vault lease → stand-in) vs the stand-in alone and vs the floor (the same"
echo "parts with nothing of the product's own: Tools/chain-floor), wrk -t1, ${seconds} s per run, release build."
echo "CPU: all processes of the chain (services, nats-server, PostgreSQL) or of the floor (its two and nats-server)."
echo "| connections | stand-in req/s | floor req/s | chain req/s | added p50 floor | added p50 chain | chain p99 | CPU µs/req floor | CPU µs/req chain | chain/floor CPU | non-2xx |"
echo "|-------------|----------------|-------------|-------------|-----------------|-----------------|-----------|------------------|------------------|-----------------|---------|"
against_floor=""
for clients in 1 16 64; do
  IFS='|' read -r d_rps d_p50 d_p99 d_n d_cpu d_err <<<"$(measure "$stand_in/v1/chat/completions" "$clients" no_pids)"
  IFS='|' read -r f_rps f_p50 f_p99 f_n f_cpu f_err <<<"$(measure "$floor/v1/chat/completions" "$clients" floor_pids)"
  IFS='|' read -r c_rps c_p50 c_p99 c_n c_cpu c_err <<<"$(measure "$base/v1/chat/completions" "$clients" chain_pids "x-api-key: $key")"
  python3 - "$clients" "$d_rps" "$f_rps" "$c_rps" "$d_p50" "$f_p50" "$c_p50" "$c_p99" "$f_n" "$f_cpu" "$c_n" "$c_cpu" \
    "$(( ${f_err:-0} + ${c_err:-0} ))" <<'PY'
import sys
def us(text):
    value = float(text[:-2] if text.endswith(("us", "ms")) else text[:-1])
    return value * (1000 if text.endswith("ms") else 1 if text.endswith("us") else 1_000_000)
c, d_rps, f_rps, c_rps, d_p50, f_p50, c_p50, c_p99, f_n, f_ticks, c_n, c_ticks, errors = sys.argv[1:]
f_cpu = int(f_ticks) * 10_000 / max(int(f_n), 1)  # 100 ticks a second
c_cpu = int(c_ticks) * 10_000 / max(int(c_n), 1)
print(f"| {c:>11} | {float(d_rps):14.0f} | {float(f_rps):11.0f} | {float(c_rps):11.0f} "
      f"| {(us(f_p50) - us(d_p50)) / 1000:13.3f}ms | {(us(c_p50) - us(d_p50)) / 1000:13.3f}ms | {c_p99:>9} "
      f"| {f_cpu:16.0f} | {c_cpu:16.0f} | {c_cpu / max(f_cpu, 1):14.2f}× | {errors:>7} |")
PY
  against_floor+="$clients|$d_p50|$f_rps|$f_p50|$f_n|$f_cpu|$c_rps|$c_p50|$c_n|$c_cpu"$'\n'
done
streamed_pids() { echo "$streamed_front $floor_back"; cat "$STRONGBOX_DATA/nats/nats-server.pid"; }
echo
echo "The floor with a plain NATS reply and with the streamed-reply protocol (what the gateway and the proxy use for every call)"
echo "| connections | plain req/s | streamed req/s | plain p50 | streamed p50 | CPU µs/req plain | CPU µs/req streamed |"
echo "|-------------|-------------|----------------|-----------|--------------|------------------|---------------------|"
for clients in 1 64; do
  IFS='|' read -r p_rps p_p50 p_p99 p_n p_cpu p_err <<<"$(measure "$floor/v1/chat/completions" "$clients" floor_pids)"
  IFS='|' read -r s_rps s_p50 s_p99 s_n s_cpu s_err <<<"$(measure "http://127.0.0.1:$streamed_port/v1/chat/completions" "$clients" streamed_pids)"
  python3 -c 'import sys; c, pr, sr, pp, sp, pn, pc, sn, sc = sys.argv[1:]; print(f"| {c:>11} | {float(pr):11.0f} | {float(sr):14.0f} | {pp:>9} | {sp:>12} | {int(pc) * 10_000 / max(int(pn), 1):16.0f} | {int(sc) * 10_000 / max(int(sn), 1):19.0f} |")' \
    "$clients" "$p_rps" "$s_rps" "$p_p50" "$s_p50" "$p_n" "$p_cpu" "$s_n" "$s_cpu"
done

# Limits on the hot path: a tenant with a non-binding tenant request limit, a token limit on its key
# and a budget, against its twin without limits (set up alike: the first tenant, with its eight
# providers' credentials, made the baseline differ in more than the limits), at 64 connections.
limited_tenant
round_trips() { curl -fsS "http://127.0.0.1:$PROXY_OPS_PORT/metrics" | awk '/^strongbox_limits_ledger_round_trips_total/ {s += $2} END {print s + 0}'; }
for warm in "$limited" "$unlimited"; do
  wrk -t1 -c8 -d1s -s "$STRONGBOX_DATA/post.lua" -H "x-api-key: $warm" "$base/v1/chat/completions" >/dev/null
done
# The floor runs in the same rounds: the targets' table compares the chain with limits against it.
# A difference of a few µs is below what two runs here can show (identical sides differ by ±40 µs),
# so the limits are measured in many short rounds: the tenant without limits twice (A and B), the
# one with them (L) and the floor, in orders where each side follows each other side equally often
# (a run pays for what the run before it left behind, the usage events still being stored). L
# against the mean of A and B is the limits' cost, B against A the noise
# of the same measurement, each a mean of the rounds' differences with its standard error.
limit_rounds=${BENCH_LIMIT_ROUNDS:-16}
plain_runs="" plain_again_runs="" limited_runs="" floor_runs=""
# Each run also by process (process_ticks), so the difference shows where it lands.
by_process() { # url, key -> measure's fields|round trips|ticks by process
  local trips before after line
  trips=$(round_trips) before=($(process_ticks))
  line=$(seconds=3 measure "$1" 64 chain_pids "x-api-key: $2")
  after=($(process_ticks))
  local index ticks=()
  for index in "${!after[@]}"; do ticks+=($((after[index] - before[index]))); done
  echo "$line|$(( $(round_trips) - trips ))|${ticks[*]}"
}
plain_run() { plain_runs+=$(by_process "$base/v1/chat/completions" "$unlimited")$'\n'; }
plain_again_run() { plain_again_runs+=$(by_process "$base/v1/chat/completions" "$unlimited")$'\n'; }
limited_run() { limited_runs+=$(by_process "$base/v1/chat/completions" "$limited")$'\n'; }
floor_run() { floor_runs+=$(seconds=3 measure "$floor/v1/chat/completions" 64 floor_pids)$'\n'; }
sides=(floor_run plain_run limited_run plain_again_run)
# One unbroken sequence in which every side follows every other side exactly once per 12 runs (an
# Eulerian circuit of the four sides), the turn from one cycle to the next included: what a run
# leaves behind falls on each side alike. Rounds of four in a Williams square balanced only within
# a round; across the rounds' edges B followed the floor (which leaves no usage events to store)
# twice as often as A did, and A followed L (whose slices go back after it) twice: B − A came out
# -7 to -27 µs in every series. A round is now a side's k-th run against the others' k-th.
sequence=(0 1 0 2 0 3 1 3 2 1 2 3)
cycles=$(((limit_rounds + 2) / 3)) limit_rounds=$(((limit_rounds + 2) / 3 * 3))
for ((run = 0; run < cycles * ${#sequence[@]}; run++)); do "${sides[${sequence[run % ${#sequence[@]}]}]}"; done
kill "$floor_front" 2>/dev/null || true
echo
echo "Limits on the hot path: the chain for a tenant with a non-binding tenant request limit, a key token"
echo "limit and a budget (L) against a tenant with none, measured twice (A, B), 64 connections, $limit_rounds rounds"
echo "of 3 s runs in balanced orders: medians, and the mean difference of the rounds with its standard error."
python3 - "$plain_runs" "$plain_again_runs" "$limited_runs" <<'PY'
import statistics, sys
def parse(text):
    return [line.split("|") for line in text.strip().splitlines() if line]
a, b, limited = parse(sys.argv[1]), parse(sys.argv[2]), parse(sys.argv[3])
def cpu(row):
    return int(row[4]) * 10_000 / max(int(row[3]), 1)
def mean_se(values):
    return (f"{statistics.mean(values):+.1f} ± {statistics.stdev(values) / len(values) ** 0.5:.1f}"
            f" (median {statistics.median(values):+.1f})")
trips = statistics.median(int(row[6]) * 1000 / max(int(row[3]), 1) for row in limited)
errors = sum(int(row[5] or 0) for row in a + b + limited)
print("| chain | req/s (median) | p50 | CPU µs/req (median) | ledger round trips / 1,000 calls | non-2xx |")
print("|-------|----------------|-----|---------------------|----------------------------------|---------|")
for name, rows in (("no limits (A)", a), ("no limits again (B)", b), ("three limits (L)", limited)):
    middle = sorted(rows, key=lambda row: float(row[0]))[len(rows) // 2]
    extra = f"{trips:.2f}" if rows is limited else "–"
    print(f"| {name} | {statistics.median(float(r[0]) for r in rows):.0f} | {middle[1]} "
          f"| {statistics.median(cpu(r) for r in rows):.0f} | {extra} | {errors if rows is limited else ''} |")
pairs = list(zip(a, b, limited))
limits_cost = [cpu(l) - (cpu(x) + cpu(y)) / 2 for x, y, l in pairs]
noise = [cpu(y) - cpu(x) for x, y, _ in pairs]
limits_ratio = statistics.median(2 * float(l[0]) / (float(x[0]) + float(y[0])) for x, y, l in pairs)
noise_ratio = statistics.median(float(y[0]) / float(x[0]) for x, y, _ in pairs)
print()
print("| difference | req/s ratio (median of rounds) | CPU µs/req (mean of rounds ± standard error, and their median) |")
print("|------------|--------------------------------|-----------------------------------------------------------------|")
print(f"| three limits: L − (A + B) / 2 | {limits_ratio:.3f}× | {mean_se(limits_cost)} µs |")
print(f"| the noise: B − A (the same call) | {noise_ratio:.3f}× | {mean_se(noise)} µs |")
# By process: where the difference lands (each process's CPU per call, L − (A + B) / 2 and B − A).
names = ["gateway", "proxy", "usage", "vault+content", "nats-server", "PostgreSQL"]
def process_cpu(row, index):
    return int(row[7].split()[index]) * 10_000 / max(int(row[3]), 1)
print()
print("| process | L − (A + B) / 2, µs/call (mean ± standard error, median) | B − A |")
print("|---------|-----------------------------------------------------------|-------|")
for index, name in enumerate(names):
    cost = [process_cpu(l, index) - (process_cpu(x, index) + process_cpu(y, index)) / 2 for x, y, l in pairs]
    same = [process_cpu(y, index) - process_cpu(x, index) for x, y, _ in pairs]
    print(f"| {name} | {mean_se(cost)} | {mean_se(same)} |")
PY
echo
echo "A quiet caller: one call every 0.6 s per tenant (a quiet count keeps its slice about a second),"
echo "then every 1.5 s (each call waits for the ledger), 20 calls each, the two tenants alternating."
echo "| tenant | p50 | p90 |"
echo "|--------|-----|-----|"
python3 "$ROOT/scripts/bench_quiet_calls.py" "$base" 20 0.6 "no limits, 0.6 s apart=$unlimited" "three limits, 0.6 s apart=$limited"
python3 "$ROOT/scripts/bench_quiet_calls.py" "$base" 20 1.5 "no limits, 1.5 s apart=$unlimited" "three limits, 1.5 s apart=$limited"
# Translation on the hot path: the same ~1 KB question to the same Anthropic stand-in, once in
# Anthropic's own API (passed through) and once in OpenAI's (translated both ways), alternating.
curl -fsS -o /dev/null -X POST "$base/credentials" -H "x-api-key: $key" -H 'content-type: application/json' \
  -d "{\"service\":\"anthropic\",\"key\":\"sk-ant-bench-0123456789\",\"meta\":{\"baseUrl\":\"$stand_in\"}}"
question=$(python3 -c 'print(("Tell me about the quick brown fox that jumps over the lazy dog. " * 14).strip())')
for api in messages chat; do
  wrk_script "$STRONGBOX_DATA/$api.lua" \
    '{"model":"anthropic/kb-claude","max_tokens":256,"temperature":0.5,"messages":[{"role":"user","content":"'"$question"'"}]}' "$key"
done
wrk -t1 -c8 -d1s -s "$STRONGBOX_DATA/messages.lua" "$base/v1/messages" >/dev/null
wrk -t1 -c8 -d1s -s "$STRONGBOX_DATA/chat.lua" "$base/v1/chat/completions" >/dev/null
echo
echo "Translation on the hot path: a ~1 KB question and answer to an Anthropic stand-in, in Anthropic's API"
echo "(passed through) and in OpenAI's (translated both ways), medians of $rounds alternating runs."
echo "| connections | passed through req/s | translated req/s | ratio | passed p50 | translated p50 | CPU µs/req passed | CPU µs/req translated | added CPU | non-2xx |"
echo "|-------------|----------------------|------------------|-------|------------|----------------|-------------------|-----------------------|-----------|---------|"
for clients in 1 64; do
  compare_pair "$clients" "$base/v1/messages" "$STRONGBOX_DATA/messages.lua" \
    "$base/v1/chat/completions" "$STRONGBOX_DATA/chat.lua"
done

# Routes on the hot path: the same small call to the stand-in's OpenAI API, once naming
# `openai/gpt-4o-mini` and once a fallback route whose first target is that model (it always
# answers, so the second is never tried).
curl -fsS -o /dev/null -X POST "$base/routes" -H "x-api-key: $key" -H 'content-type: application/json' \
  -d '{"name":"bench-route","strategy":"fallback","targets":[{"service":"openai","model":"gpt-4o-mini"},{"service":"anthropic","model":"claude-3-5-haiku"}]}'
for model in openai/gpt-4o-mini bench-route; do
  wrk_script "$STRONGBOX_DATA/${model#*/}.lua" '{"model":"'"$model"'","messages":[{"role":"user","content":"Say hello"}]}' "$key"
done
wrk -t1 -c8 -d1s -s "$STRONGBOX_DATA/bench-route.lua" "$base/v1/chat/completions" >/dev/null
echo
echo "Routes on the hot path: the same call naming openai/gpt-4o-mini directly and through a fallback route"
echo "whose first target is that model, medians of $rounds alternating runs."
echo "| connections | direct req/s | routed req/s | ratio | direct p50 | routed p50 | CPU µs/req direct | CPU µs/req routed | added CPU | non-2xx |"
echo "|-------------|--------------|--------------|-------|------------|------------|-------------------|-------------------|-----------|---------|"
for clients in 1 64; do
  compare_pair "$clients" "$base/v1/chat/completions" "$STRONGBOX_DATA/gpt-4o-mini.lua" \
    "$base/v1/chat/completions" "$STRONGBOX_DATA/bench-route.lua"
done
# The same call against itself, in the same alternating runs: how far apart two sides that do the
# same work come out here, the yardstick for the with/without rows' few µs (scripts/bench-profile.sh
# measures the features' own code without that noise).
echo
echo "The same call against itself (openai/gpt-4o-mini both sides), 64 connections, medians of $rounds alternating runs:"
echo "the noise in the added CPU of the rows above."
echo "| connections | side A req/s | side B req/s | ratio | A p50 | B p50 | CPU µs/req A | CPU µs/req B | B − A | non-2xx |"
echo "|-------------|--------------|--------------|-------|-------|-------|--------------|--------------|-------|---------|"
compare_pair 64 "$base/v1/chat/completions" "$STRONGBOX_DATA/gpt-4o-mini.lua" \
  "$base/v1/chat/completions" "$STRONGBOX_DATA/gpt-4o-mini.lua"

# The time to a stream's first event: the stand-in alone, through the floor and through the chain, in
# alternating rounds of 50 sequential requests (the medians of the rounds' medians).
stream_body='{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}'
first_event() { python3 "$ROOT/scripts/bench_first_event.py" "$1" "$stream_body" 50 ${2:+"$2"}; }
direct_firsts="" floor_firsts="" chain_firsts=""
for ((round = 0; round < rounds; round++)); do
  direct_firsts+="$(first_event "$stand_in/v1/chat/completions") "
  floor_firsts+="$(first_event "http://127.0.0.1:$streamed_port/v1/chat/completions") "
  chain_firsts+="$(first_event "$base/v1/chat/completions" "x-api-key:$key") "
done
kill "$streamed_front" "$floor_back" 2>/dev/null || true
middle() { python3 -c 'import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))' $1; }
direct_first=$(middle "$direct_firsts") floor_first=$(middle "$floor_firsts") chain_first=$(middle "$chain_firsts")
echo
echo "Streaming: median time to the first data: event, $rounds alternating rounds of 50 sequential requests (the floor"
echo "streams each chunk as one message, as the proxy does)"
echo "| stand-in alone | through the floor | through the chain | added by the floor | added by the chain |"
echo "|----------------|-------------------|-------------------|--------------------|--------------------|"
python3 -c "import sys; d, f, c = map(float, sys.argv[1:]); print(f'| {d:11.3f} ms | {f:14.3f} ms | {c:14.3f} ms | {f - d:15.3f} ms | {c - d:15.3f} ms |')" \
  "$direct_first" "$floor_first" "$chain_first"

echo
echo "Memory: each service idle after start and after the proxy load above (target: ≤ 50 MB resident idle). Resident"
echo "counts the Swift runtime's, Foundation's and ICU's shared code in every process; proportional shares it out;"
echo "anonymous is the process's own heap and stacks."
python3 - "$rss_idle" "$(service_rss)" <<'PY'
import sys
def parse(text):
    return {line.split()[0]: [int(v) / 1024 for v in line.split()[1:4]] for line in text.strip().splitlines()}
idle, loaded = parse(sys.argv[1]), parse(sys.argv[2])
print("| service | resident idle MB | proportional idle MB | anonymous idle MB | resident after load MB | anonymous after load MB | idle target |")
print("|---------|------------------|----------------------|-------------------|------------------------|-------------------------|-------------|")
for name, (rss, pss, anon) in idle.items():
    after = loaded.get(name, [0, 0, 0])
    print(f"| {name:7} | {rss:16.1f} | {pss:20.1f} | {anon:17.1f} | {after[0]:22.1f} | {after[2]:23.1f} | {'met' if rss <= 50 else 'OVER'} |")
PY

echo
echo "The hot path against the floor (issue 20's targets), each figure against its baseline of this run: at 64"
echo "connections the chain with a non-binding tenant request limit, a key token limit and a budget (the limits"
echo "table) against the floor in the same alternating rounds (medians), the usage event stored for every call."
python3 - "$against_floor" "$limited_runs" "$direct_first" "$floor_first" "$chain_first" "$rss_idle" "$floor_runs" <<'PY'
import statistics, sys
def us(text):
    value = float(text[:-2] if text.endswith(("us", "ms")) else text[:-1])
    return value * (1000 if text.endswith("ms") else 1 if text.endswith("us") else 1_000_000)
rows = {line.split("|")[0]: line.split("|") for line in sys.argv[1].strip().splitlines()}
limited = [line.split("|") for line in sys.argv[2].strip().splitlines() if line]
direct_first, floor_first, chain_first = map(float, sys.argv[3:6])
rss = {line.split()[0]: int(line.split()[1]) / 1024 for line in sys.argv[6].strip().splitlines()}
floor_runs = [line.split("|") for line in sys.argv[7].strip().splitlines() if line]
floor_rps = statistics.median(float(row[0]) for row in floor_runs)
floor_cpu = statistics.median(int(row[4]) * 10_000 / max(int(row[3]), 1) for row in floor_runs)
chain_rps = statistics.median(float(row[0]) for row in limited)
chain_cpu = statistics.median(int(row[4]) * 10_000 / max(int(row[3]), 1) for row in limited)
_, d_p50, _, f_p50, _, _, _, c_p50, _, _ = rows["1"]
floor_added, chain_added = (us(f_p50) - us(d_p50)) / 1000, (us(c_p50) - us(d_p50)) / 1000
floor_stream, chain_stream = floor_first - direct_first, chain_first - direct_first
largest = max(rss, key=rss.get)
lines = [
    ("requests/s, 64 connections", f"{floor_rps:.0f}", f"{chain_rps:.0f}", f"{chain_rps / floor_rps:.2f}×", "≥ 0.6×",
     chain_rps / floor_rps >= 0.6),
    ("added p50, 1 connection", f"{floor_added:.3f} ms", f"{chain_added:.3f} ms", f"{chain_added - floor_added:+.3f} ms",
     "≤ +0.15 ms", chain_added - floor_added <= 0.15),
    ("added to the first streamed event", f"{floor_stream:.3f} ms", f"{chain_stream:.3f} ms",
     f"{chain_stream - floor_stream:+.3f} ms", "≤ +0.3 ms", chain_stream - floor_stream <= 0.3),
    ("CPU µs per call, 64 connections", f"{floor_cpu:.0f}", f"{chain_cpu:.0f}", f"{chain_cpu / floor_cpu:.2f}×", "≤ 1.6×",
     chain_cpu / floor_cpu <= 1.6),
    ("largest resident set idle", "", f"{rss[largest]:.1f} MB ({largest})", "", "≤ 50 MB", rss[largest] <= 50),
]
print("| measure | floor | chain | chain against floor | target | met |")
print("|---------|-------|-------|---------------------|--------|-----|")
for name, floor, chain, versus, target, met in lines:
    print(f"| {name} | {floor} | {chain} | {versus} | {target} | {'yes' if met else 'no'} |")
PY
fi

if want usage; then
  echo
  DATABASE_URL="$DATABASE_URL" "$bin/usage-bench" --nats-url "$NATS_URL" --password "$NATS_OPERATOR_PASSWORD" \
    --events "${BENCH_USAGE_EVENTS:-100000}" --rate "${BENCH_USAGE_RATE:-5000}" --seconds "${BENCH_USAGE_SECONDS:-10}"
fi

if want content; then
  slug=$(curl -fsS "$base/auth/me" -H "x-api-key: $key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tenant"]["slug"])')
  curl -fsS -o /dev/null -X POST "$base/content-types" -H "x-api-key: $key" -H 'content-type: application/json' \
    -d '{"name":"post","schema":{"type":"object","required":["body"],"properties":{"body":{"type":"string"}}}}'
  curl -fsS -o /dev/null -X POST "$base/content" -H "x-api-key: $key" -H 'content-type: application/json' \
    -d '{"type":"post","title":"Hello bench","status":"published","accessType":"public","data":{"body":"A short public post, as a blog would serve it."}}'
  item="/public/$slug/content/post/hello-bench"
  cat >"$STRONGBOX_DATA/uncached.lua" <<LUA
request = function() return wrk.format("GET", "$item?nocache=" .. math.random(1, 1000000000)) end
LUA
  wrk -t1 -c8 -d1s "$base$item" >/dev/null
  wrk -t1 -c8 -d1s -s "$STRONGBOX_DATA/uncached.lua" "$base" >/dev/null
  health_runs="" cached_runs="" uncached_runs=""
  for ((round = 0; round < rounds; round++)); do
    health_runs+=$(run "GET /healthz (baseline)" /healthz)$'\n'
    cached_runs+=$(run "public item, cached" "$item")$'\n'
    uncached_runs+=$(run "public item, uncached" "" "" "$STRONGBOX_DATA/uncached.lua")$'\n'
  done
  ratio_table "Public content reads (no key) through the gateway" "$health_runs" "$cached_runs" "$uncached_runs"
  echo
  "$bin/schema-bench" --seconds "$seconds"
fi

if want flows; then
  echo
  python3 "$ROOT/scripts/bench_flows.py" "$base" "$key" "${BENCH_FLOW_NODES:-500}" "${BENCH_FLOW_ROUNDS:-5}"
fi
