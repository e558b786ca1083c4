#!/usr/bin/env bash
# `make seed`: creates the development tenant (slug `dev`) through the admin API of the running
# cluster and saves its admin API key to .data/dev-tenant.json (the API shows a key only once).
# Idempotent: a second run reuses the saved key.
. "$(dirname "$0")/lib.sh"
load_env

base="http://127.0.0.1:$SERVER_PORT"
curl -fsS "$base/healthz" >/dev/null 2>&1 || fail "the cluster is not running (run: make run)"
seed_file="$DATA/dev-tenant.json"

if [ -f "$seed_file" ]; then
  key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apiKey"])' "$seed_file")
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/auth/me" -H "x-api-key: $key")" = 200 ]; then
    say "the dev tenant exists; its admin API key is in $seed_file"
  else
    fail "$seed_file holds a key the cluster does not accept; delete the file and the tenant, then seed again"
  fi
else
  response=$(curl -sS -X POST "$base/tenants" -H "x-admin-key: $ADMIN_API_KEY" -H 'content-type: application/json' \
    -d '{"name":"Development","slug":"dev"}' -w '\n%{http_code}')
  status=$(echo "$response" | tail -n 1)
  [ "$status" = 201 ] || fail "creating the dev tenant failed ($status): $(echo "$response" | head -n 1)"
  umask 077
  echo "$response" | head -n 1 >"$seed_file"
  key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apiKey"])' "$seed_file")
  say "created the dev tenant; its admin API key is in $seed_file"
fi

if [ -x "$ROOT/scripts/seed-credentials.sh" ]; then
  "$ROOT/scripts/seed-credentials.sh" "$base" "$key"
fi
