#!/usr/bin/env bash
# `make soak`: a mixed load against a private release cluster for SOAK_MINUTES (default 10), sampling
# each process's resident set, open file descriptors and threads, and the latency per minute; fails
# when a service's memory grows more than 10 % from minute 2 to the end, a descriptor count grows
# steadily, p99 drifts up more than 50 %, or any request fails. Writes its figures and a plot
# (matplotlib from PyPI, in .data/plot-venv) to SOAK_OUT (default .data/soak). Not part of CI.
. "$(dirname "$0")/private-cluster.sh"

out=${SOAK_OUT:-$ROOT/.data/soak}
mkdir -p "$out"
venv="$ROOT/.data/plot-venv"
if ! "$venv/bin/python" -c "import matplotlib" 2>/dev/null; then
  say "creating $venv (matplotlib from PyPI) for the plot"
  rm -rf "$venv"
  python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check matplotlib
fi

# What the load uses: a credential for the stand-in, a content type and a public item to read.
curl -fsS -o /dev/null -X POST "$base/credentials" -H "x-api-key: $key" -H 'content-type: application/json' \
  -d "{\"service\":\"openai\",\"key\":\"sk-soak-openai-0123456789\",\"meta\":{\"baseUrl\":\"$stand_in\"}}"
curl -fsS -o /dev/null -X POST "$base/content-types" -H "x-api-key: $key" -H 'content-type: application/json' \
  -d '{"name":"post","schema":{"type":"object","required":["body"],"properties":{"body":{"type":"string"}}}}'
curl -fsS -o /dev/null -X POST "$base/content" -H "x-api-key: $key" -H 'content-type: application/json' \
  -d '{"type":"post","title":"Hello soak","status":"published","accessType":"public","data":{"body":"A public post."}}'
slug=$(curl -fsS "$base/auth/me" -H "x-api-key: $key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tenant"]["slug"])')

processes=()
for service in "${SERVICES[@]}"; do processes+=("$service=$(cat "$DATA/run/$service.pid")"); done
processes+=("nats-server=$(cat "$DATA/nats/nats-server.pid")")
say "soaking for ${SOAK_MINUTES:-10} minutes at ${SOAK_RATE:-100} requests/s (figures in $out)"
"$venv/bin/python" "$ROOT/scripts/soak.py" --base "$base" --key "$key" --slug "$slug" \
  --minutes "${SOAK_MINUTES:-10}" --rate "${SOAK_RATE:-100}" --out "$out" "${processes[@]}"
