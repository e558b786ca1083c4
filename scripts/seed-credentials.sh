#!/usr/bin/env bash
# Part of `make seed`: stores the provider keys found in the environment (OPENAI_API_KEY,
# ANTHROPIC_API_KEY, COHERE_API_KEY) as the dev tenant's credentials, encrypted by the vault.
. "$(dirname "$0")/lib.sh"
base=$1
key=$2

stored=0
for pair in openai:OPENAI_API_KEY anthropic:ANTHROPIC_API_KEY cohere:COHERE_API_KEY; do
  service=${pair%%:*}
  variable=${pair#*:}
  value=${!variable:-}
  [ -n "$value" ] || continue
  body=$(python3 -c 'import json,sys; print(json.dumps({"service": sys.argv[1], "key": sys.argv[2]}))' "$service" "$value")
  status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$base/credentials" -H "x-api-key: $key" \
    -H 'content-type: application/json' --data-binary @- <<<"$body")
  [ "$status" = 201 ] || fail "storing the $service key failed ($status)"
  say "stored $variable as the dev tenant's $service credential"
  stored=$((stored + 1))
done
[ "$stored" -gt 0 ] || say "no OPENAI_API_KEY, ANTHROPIC_API_KEY or COHERE_API_KEY set: no provider key stored"
