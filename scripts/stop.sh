#!/usr/bin/env bash
# `make stop`: stops the services, then the local NATS and PostgreSQL that `make run` started.
. "$(dirname "$0")/lib.sh"
[ -f "$ENV_FILE" ] || { say "nothing to stop (no .env)"; exit 0; }
load_env
"$ROOT/scripts/services.sh" stop
uses_local_nats && "$ROOT/scripts/nats.sh" stop
uses_local_postgres && "$ROOT/scripts/postgres.sh" stop
say "stopped"
