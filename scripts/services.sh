#!/usr/bin/env bash
# Starts or stops the five services in the background, each with only its own settings.
# Logs: .data/logs/<service>.log; pids: .data/run/<service>.pid.
. "$(dirname "$0")/lib.sh"
load_env

CONFIG=${CONFIG:-debug}
logs="$DATA/logs"
run="$DATA/run"

# The service's database login: <SERVICE>_DATABASE_URL if set; with the local cluster its own
# role strongbox_<service> (scripts/postgres.sh sets it up); else DATABASE_URL (one login for every
# service: see docs/operations.md, "Database roles", to give each its own).
database_url() {
  local service=$1 upper
  upper=${service^^}
  local url_var="${upper}_DATABASE_URL" password_var="POSTGRES_${upper}_PASSWORD"
  if [ -n "${!url_var:-}" ]; then
    echo "${!url_var}"
  elif uses_local_postgres; then
    echo "postgres://strongbox_$service:${!password_var}@127.0.0.1:$POSTGRES_PORT/strongbox"
  else
    echo "$DATABASE_URL"
  fi
}

# The environment one service gets: common settings plus its own; nothing else (the master
# key reaches the vault alone, the admin key and JWT secret the gateway alone, each service's
# database password that service alone).
service_env() {
  local service=$1 upper
  upper=${service^^}
  local password_var="NATS_${upper}_PASSWORD"
  echo "PATH=$PATH" "HOME=${HOME:-/root}" "LOG_LEVEL=${LOG_LEVEL:-info}" "LOG_FORMAT=${LOG_FORMAT:-text}"
  echo "NATS_URL=$NATS_URL" "NATS_USER=$service" "NATS_PASSWORD=${!password_var}" "DATABASE_URL=$(database_url "$service")"
  [ -n "${JETSTREAM_REPLICAS:-}" ] && echo "JETSTREAM_REPLICAS=$JETSTREAM_REPLICAS"
  # <SERVICE>_OPS_PORT serves that service's /metrics and health (off by default).
  local ops_var="${upper}_OPS_PORT"
  [ -n "${!ops_var:-}" ] && echo "OPS_PORT=${!ops_var}"
  case $service in
    gateway)
      echo "SERVER_HOST=${SERVER_HOST:-127.0.0.1}" "SERVER_PORT=$SERVER_PORT" "ADMIN_API_KEY=$ADMIN_API_KEY" "JWT_SECRET=$JWT_SECRET"
      echo "RELEASE_TICKET_SECRET=$RELEASE_TICKET_SECRET" "SWAGGER_UI_DIR=${SWAGGER_UI_DIR:-$DATA/swagger-ui}"
      local name
      for name in CONSOLE_CHART_JS MAIL_OUTBOX_LOG CORS_ALLOWED_ORIGINS MAX_BODY_BYTES RATE_LIMIT_PER_MINUTE \
          RATE_LIMIT_ANONYMOUS_PER_MINUTE ACCESS_TOKEN_TTL_SECONDS REFRESH_TOKEN_TTL_DAYS PASSWORD_RESET_TTL_MINUTES \
          BCRYPT_COST KEY_CACHE_TTL_MS READINESS_TIMEOUT_MS GATEWAY_PROXY_TIMEOUT_MS PUBLIC_CACHE_MAX_AGE_SECONDS \
          TRUSTED_PROXY_HOPS; do
        [ -n "${!name:-}" ] && echo "$name=${!name}"
      done
      ;;
    vault)
      echo "CRED_ENCRYPT_KEY=$CRED_ENCRYPT_KEY" "CRED_ENCRYPT_KEY_VERSION=${CRED_ENCRYPT_KEY_VERSION:-1}"
      echo "RELEASE_TICKET_SECRET=$RELEASE_TICKET_SECRET"
      [ -n "${RELEASE_TICKET_SECRET_PREVIOUS:-}" ] && echo "RELEASE_TICKET_SECRET_PREVIOUS=$RELEASE_TICKET_SECRET_PREVIOUS"
      [ -n "${CRED_ENCRYPT_KEYS_PREVIOUS:-}" ] && echo "CRED_ENCRYPT_KEYS_PREVIOUS=$CRED_ENCRYPT_KEYS_PREVIOUS"
      [ -n "${PROXY_ALLOWED_BASE_URLS:-}" ] && echo "PROXY_ALLOWED_BASE_URLS=$PROXY_ALLOWED_BASE_URLS"
      ;;
    proxy)
      local name
      for name in PROXY_ALLOWED_BASE_URLS PROXY_LEASE_SECONDS PROXY_CONNECT_TIMEOUT_MS PROXY_READ_TIMEOUT_MS \
          PROXY_TIMEOUT_MS PROXY_MAX_RETRIES PROXY_RETRY_BASE_MS PROXY_MODELS_CACHE_SECONDS PROXY_LIMIT_RULES_SECONDS \
          PROXY_ROUTES_SECONDS PROXY_USAGE_LINGER_MS; do
        [ -n "${!name:-}" ] && echo "$name=${!name}"
      done
      ;;
    content)
      echo "MAILING_LIST_TOKEN_SECRET=$MAILING_LIST_TOKEN_SECRET" "PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$SERVER_PORT}"
      local name
      for name in CONTACT_RATE_LIMIT_PER_MINUTE MAILING_LIST_CONFIRM_TTL_HOURS; do
        [ -n "${!name:-}" ] && echo "$name=${!name}"
      done
      ;;
    usage)
      local name
      for name in USAGE_PRICES_FILE USAGE_BATCH_SIZE USAGE_PIPELINE USAGE_CONSUMER USAGE_LINGER_MS; do
        [ -n "${!name:-}" ] && echo "$name=${!name}"
      done
      ;;
  esac
  true
}

bin_dir() { # STRONGBOX_BIN: run binaries from elsewhere (another commit's, to compare them in one cluster)
  if [ -n "${STRONGBOX_BIN:-}" ]; then echo "$STRONGBOX_BIN"; return; fi
  (cd "$ROOT" && swift build -c "$CONFIG" --show-bin-path)
}

start() {
  local bin service
  bin=$(bin_dir)
  mkdir -p "$logs" "$run"
  for service in "${SERVICES[@]}"; do
    [ -x "$bin/$service" ] || fail "$bin/$service is not built (run: make build)"
    if running_pid "$run/$service.pid" >/dev/null; then
      say "$service already running"
      continue
    fi
    # shellcheck disable=SC2046
    env -i $(service_env "$service") "$bin/$service" >>"$logs/$service.log" 2>&1 &
    echo $! >"$run/$service.pid"
  done
  say "waiting for the cluster to be ready"
  local i
  for ((i = 0; i < 600; i++)); do
    if curl -fsS "http://127.0.0.1:$SERVER_PORT/readyz" >/dev/null 2>&1; then
      return 0
    fi
    for service in "${SERVICES[@]}"; do
      if ! running_pid "$run/$service.pid" >/dev/null; then
        echo "--- $service exited; last lines of $logs/$service.log:" >&2
        tail -n 20 "$logs/$service.log" >&2
        stop
        fail "$service did not start"
      fi
    done
    sleep 0.1
  done
  curl -sS "http://127.0.0.1:$SERVER_PORT/readyz" >&2 || true
  fail "the cluster did not become ready within 60 s; logs are in $logs"
}

stop() {
  # The gateway first, so no new requests arrive while the others drain; then the proxy (its calls
  # in flight still reach the vault, and it hands its limit slices back to the usage service) and
  # the content service; then the vault and the usage service. Each step stops its services at once.
  stop_pid_files 20 "$run/gateway.pid"
  stop_pid_files 20 "$run/proxy.pid" "$run/content.pid"
  stop_pid_files 20 "$run/vault.pid" "$run/usage.pid"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  env) service_env "$2" ;;
  *) fail "usage: $0 start|stop|env SERVICE" ;;
esac
