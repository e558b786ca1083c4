#!/bin/sh
# docker-compose: the postgres image runs this once, when it first creates its database (an empty
# volume): one role per service, owning its schema (deploy/postgres/service-roles.sql), with the
# passwords from POSTGRES_<SERVICE>_PASSWORD. For a volume made before, run
# deploy/postgres/service-roles.sql by hand (docs/operations.md, "Database roles").
set -eu
passwords=$(printf '{"gateway": "%s", "vault": "%s", "proxy": "%s", "content": "%s", "usage": "%s"}' \
  "$POSTGRES_GATEWAY_PASSWORD" "$POSTGRES_VAULT_PASSWORD" "$POSTGRES_PROXY_PASSWORD" \
  "$POSTGRES_CONTENT_PASSWORD" "$POSTGRES_USAGE_PASSWORD")
# psql interpolates :'passwords' (quoted) in what it reads, not in -c.
{ echo "SELECT set_config('strongbox.role_passwords', :'passwords', false);"; cat /etc/strongbox/service-roles.sql; } \
  | psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v passwords="$passwords" -f -
