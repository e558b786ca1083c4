#!/bin/sh
# One role per service, owning its schema (deploy/postgres/service-roles.sql), with the passwords
# from POSTGRES_<SERVICE>_PASSWORD. Runs in two places:
# - docker-compose: the postgres image runs it once, when it first creates its database (an empty
#   volume), with no arguments: psql as $POSTGRES_USER on $POSTGRES_DB. For a volume made before,
#   run it by hand (docs/operations.md, "Database roles");
# - scripts/postgres.sh (make run), with psql's connection arguments.
# The SQL file: $STRONGBOX_ROLES_SQL, else service-roles.sql beside this script.
set -eu
sql=${STRONGBOX_ROLES_SQL:-$(dirname "$0")/service-roles.sql}
[ $# -gt 0 ] || set -- --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"
# psql quotes :'variables' in what it reads (not in -c), so any password goes through as it is.
{
  for service in gateway vault proxy content usage; do
    echo "SELECT set_config('strongbox.${service}_password', :'${service}_password', false);"
  done
  cat "$sql"
} | PGOPTIONS="-c client_min_messages=warning" psql -v ON_ERROR_STOP=1 -q \
  -v gateway_password="${POSTGRES_GATEWAY_PASSWORD:-}" -v vault_password="${POSTGRES_VAULT_PASSWORD:-}" \
  -v proxy_password="${POSTGRES_PROXY_PASSWORD:-}" -v content_password="${POSTGRES_CONTENT_PASSWORD:-}" \
  -v usage_password="${POSTGRES_USAGE_PASSWORD:-}" -f - "$@" >/dev/null
