#!/usr/bin/env bash
# `make run`: everything a newcomer needs, from a fresh clone to a running cluster.
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/install-deps.sh"
"$ROOT/scripts/swagger-ui.sh"
"$ROOT/scripts/env.sh"
load_env
if uses_local_nats; then "$ROOT/scripts/nats.sh" start; else say "using NATS at $NATS_URL"; fi
if uses_local_postgres; then "$ROOT/scripts/postgres.sh" start; else say "using the database in DATABASE_URL"; fi
"$ROOT/scripts/build.sh"
"$ROOT/scripts/services.sh" start

cat <<DONE

Strongbox is running.
  Gateway:        http://127.0.0.1:$SERVER_PORT   (try: curl http://127.0.0.1:$SERVER_PORT/readyz)
  API docs:       http://127.0.0.1:$SERVER_PORT/docs
  Console:        http://127.0.0.1:$SERVER_PORT/console   (sign in with the platform admin key below)
  Admin API key:  ADMIN_API_KEY in $ENV_FILE (send it as the x-admin-key header)
  Logs:           $DATA/logs/<service>.log
  Stop it with:   make stop
DONE
