#!/usr/bin/env bash
# Writes .env with fresh random development secrets and free local ports, unless it exists.
. "$(dirname "$0")/lib.sh"

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

if [ -f "$ENV_FILE" ]; then
  say ".env exists; keeping it"
  # Secrets that later versions added: appended, so an older .env keeps working.
  if ! grep -q '^MAILING_LIST_TOKEN_SECRET=' "$ENV_FILE"; then
    printf '\n# Content service only: signs mailing-list confirm and unsubscribe links\nMAILING_LIST_TOKEN_SECRET=%s\n' \
      "$(random_hex 32)" >>"$ENV_FILE"
  fi
  if ! grep -q '^POSTGRES_GATEWAY_PASSWORD=' "$ENV_FILE"; then
    printf '\n# PostgreSQL: each service logs in as its own role (deploy/postgres/service-roles.sql)\n' >>"$ENV_FILE"
    for service in "${SERVICES[@]}"; do
      printf 'POSTGRES_%s_PASSWORD=%s\n' "${service^^}" "$(random_hex 16)" >>"$ENV_FILE"
    done
  fi
  if ! grep -q '^RELEASE_TICKET_SECRET=' "$ENV_FILE"; then
    printf '\n# Gateway and vault: signs and checks the release tickets of proxied calls\nRELEASE_TICKET_SECRET=%s\n' \
      "$(random_hex 32)" >>"$ENV_FILE"
  fi
  if ! grep -q '^NATS_BILLING_PASSWORD=' "$ENV_FILE"; then
    printf '\n# NATS user of a billing system (reads the USAGE stream only)\nNATS_BILLING_PASSWORD=nats_%s\n' \
      "$(random_hex 16)" >>"$ENV_FILE"
  fi
  exit 0
fi
free_port() {
  local port=$1
  while port_in_use "$port"; do port=$((port + 1)); done
  echo "$port"
}

# Below Linux's ephemeral range (32768–60999): a port there can be taken for a moment by any
# outgoing connection between this check and the server's bind (seen once: 55432).
nats_port=$(free_port 4222)
postgres_port=$(free_port 15432)
server_port=$(free_port 5860)
db_password=$(random_hex 16)

umask 077
cat >"$ENV_FILE" <<ENV
# Development settings for \`make run\`, generated $(date -u +%Y-%m-%dT%H:%M:%SZ). Never commit this file.
# Delete it (after \`make stop\`) to get new secrets; delete .data/ too, as the database keeps the old password.

# Gateway
SERVER_PORT=$server_port
ADMIN_API_KEY=adm_$(random_hex 24)
JWT_SECRET=$(random_hex 32)

# Vault only: the master key (64 hex characters) and its version
CRED_ENCRYPT_KEY=$(random_hex 32)
CRED_ENCRYPT_KEY_VERSION=1

# Content service only: signs mailing-list confirm and unsubscribe links
MAILING_LIST_TOKEN_SECRET=$(random_hex 32)

# Gateway and vault: signs and checks the release tickets of proxied calls
RELEASE_TICKET_SECRET=$(random_hex 32)

# NATS (local nats-server with JetStream, one user per service)
NATS_PORT=$nats_port
NATS_URL=nats://127.0.0.1:$nats_port
NATS_GATEWAY_PASSWORD=nats_$(random_hex 16)
NATS_VAULT_PASSWORD=nats_$(random_hex 16)
NATS_PROXY_PASSWORD=nats_$(random_hex 16)
NATS_CONTENT_PASSWORD=nats_$(random_hex 16)
NATS_USAGE_PASSWORD=nats_$(random_hex 16)
NATS_OPERATOR_PASSWORD=nats_$(random_hex 16)
NATS_BILLING_PASSWORD=nats_$(random_hex 16)

# PostgreSQL (local cluster under .data/postgres). DATABASE_URL is the owner's login (setup and
# \`make migrate\` checks); each service logs in as its own role strongbox_<service> with its password
# below (deploy/postgres/service-roles.sql; scripts/services.sh builds their URLs).
POSTGRES_PORT=$postgres_port
POSTGRES_PASSWORD=$db_password
DATABASE_URL=postgres://strongbox:$db_password@127.0.0.1:$postgres_port/strongbox
POSTGRES_GATEWAY_PASSWORD=$(random_hex 16)
POSTGRES_VAULT_PASSWORD=$(random_hex 16)
POSTGRES_PROXY_PASSWORD=$(random_hex 16)
POSTGRES_CONTENT_PASSWORD=$(random_hex 16)
POSTGRES_USAGE_PASSWORD=$(random_hex 16)

# Logging: LOG_LEVEL trace|debug|info|notice|warning|error|critical, LOG_FORMAT text|json
LOG_LEVEL=info
LOG_FORMAT=text
ENV
say "wrote development secrets to $ENV_FILE"
