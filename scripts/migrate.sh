#!/usr/bin/env bash
# `make migrate`: runs each service's migrations against DATABASE_URL and exits
# (services also migrate themselves at start; this is for deploy pipelines and checks).
. "$(dirname "$0")/lib.sh"
load_env
bin=$(cd "$ROOT" && swift build -c "${CONFIG:-debug}" --show-bin-path)
for service in "${SERVICES[@]}"; do
  # shellcheck disable=SC2046
  env -i $("$ROOT/scripts/services.sh" env "$service") "$bin/$service" migrate
done
