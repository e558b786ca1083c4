#!/usr/bin/env bash
# Starts or stops the local PostgreSQL cluster under .data/postgres (as the postgres user when root).
. "$(dirname "$0")/lib.sh"
load_env

dir="$DATA/postgres"
data="$dir/data"
bin=$(postgres_bin)

start() {
  if [ -f "$data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    say "PostgreSQL already running on $POSTGRES_PORT"
    service_roles
    return
  fi
  port_in_use "$POSTGRES_PORT" && fail "port $POSTGRES_PORT is taken by another process (set POSTGRES_PORT/DATABASE_URL in .env)"
  mkdir -p "$dir"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating a PostgreSQL cluster in $data"
    local pwfile="$dir/.pwfile"
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
    as_postgres "$bin/initdb" -D "$data" -U strongbox --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8 >"$dir/initdb.log"
    rm -f "$pwfile"
  fi
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
  say "starting PostgreSQL on 127.0.0.1:$POSTGRES_PORT"
  as_postgres "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 30 \
    -o "-p $POSTGRES_PORT -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
  if ! PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U strongbox -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'strongbox'" | grep -q 1; then
    PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U strongbox -d postgres -qc "CREATE DATABASE strongbox"
  fi
  service_roles
}

# One role per service, owning its schema (deploy/postgres/init-roles.sh; every start, so a changed
# password in .env takes effect and an older single-login database is handed over).
service_roles() {
  local service variable
  for service in "${SERVICES[@]}"; do
    variable="POSTGRES_${service^^}_PASSWORD"
    [ -n "${!variable:-}" ] || fail "$variable is not in $ENV_FILE (delete .env and .data/ to start afresh)"
    export "${variable?}"
  done
  PGPASSWORD="$POSTGRES_PASSWORD" "$ROOT/deploy/postgres/init-roles.sh" -h 127.0.0.1 -p "$POSTGRES_PORT" \
    -U strongbox -d strongbox || fail "could not set up the services' database roles; see the lines above"
}

stop() {
  if [ -f "$data/postmaster.pid" ]; then
    as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) fail "usage: $0 start|stop" ;;
esac
