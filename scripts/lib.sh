#!/usr/bin/env bash
# Shared by the scripts: paths, .env loading, small helpers. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# STRONGBOX_DATA and STRONGBOX_ENV let the benchmarks run a second, private cluster.
DATA="${STRONGBOX_DATA:-$ROOT/.data}"
ENV_FILE="${STRONGBOX_ENV:-$ROOT/.env}"
SERVICES=(vault proxy content usage gateway)

say() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Loads .env (creating it first if needed) and exports its variables; a variable already set
# in the environment wins, so `DATABASE_URL=... make run` points the services elsewhere.
load_env() {
  [ -f "$ENV_FILE" ] || "$ROOT/scripts/env.sh"
  local key value
  while IFS='=' read -r key value; do
    [[ "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
    [ -n "${!key+x}" ] || export "$key=$value"
  done <"$ENV_FILE"
  # NATS_CLUSTER=3: scripts/nats.sh runs three local servers as one NATS cluster; every service
  # gets all three URLs, and the streams they create get three replicas.
  if [ "${NATS_CLUSTER:-1}" -gt 1 ] && [ "$NATS_URL" = "nats://127.0.0.1:$NATS_PORT" ]; then
    export NATS_URL
    NATS_URL=$(local_nats_urls)
    export JETSTREAM_REPLICAS="${JETSTREAM_REPLICAS:-$NATS_CLUSTER}"
  fi
}

# The URLs of the local NATS servers: NATS_PORT, and with NATS_CLUSTER=N the next N-1 ports too.
local_nats_urls() {
  local i urls=()
  for ((i = 0; i < ${NATS_CLUSTER:-1}; i++)); do urls+=("nats://127.0.0.1:$((NATS_PORT + i))"); done
  (IFS=,; echo "${urls[*]}")
}

# True when NATS_URL is the local server (or cluster) scripts/nats.sh runs.
uses_local_nats() { [ "$NATS_URL" = "nats://127.0.0.1:$NATS_PORT" ] || [ "$NATS_URL" = "$(local_nats_urls)" ]; }

# True when DATABASE_URL is the local cluster scripts/postgres.sh runs.
uses_local_postgres() { [[ "$DATABASE_URL" == *"@127.0.0.1:$POSTGRES_PORT/"* ]]; }

# True when something listens on 127.0.0.1:$1.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits until 127.0.0.1:$1 accepts connections (at most $2 seconds).
wait_for_port() {
  local port=$1 seconds=${2:-30} i
  for ((i = 0; i < seconds * 10; i++)); do
    port_in_use "$port" && return 0
    sleep 0.1
  done
  return 1
}

# Prints the pid in file $1 if that process is alive.
running_pid() {
  local file=$1 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# stop_pid_files SECONDS FILE...: SIGTERM to the processes of all the pid files at once, then waits
# until each has exited (SIGKILL after SECONDS); the files go.
stop_pid_files() {
  local seconds=$1 file pid i
  shift
  local pids=()
  for file in "$@"; do
    if pid=$(running_pid "$file"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  for ((i = 0; i < seconds * 10; i++)); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; done
  rm -f "$@"
}

# Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$dir" ] || fail "PostgreSQL is not installed (run: make install)"
  echo "$dir"
}
