#!/usr/bin/env bash
# Creates the Secrets strongbox needs in namespace ${NAMESPACE:-strongbox}, with fresh random values,
# skipping any that exists (run it again safely; it never replaces a key):
#   nats-passwords        NATS_<USER>_PASSWORD for the NATS servers (deploy/nats/helm-values.yaml)
#   strongbox-<service>   that service's NATS_PASSWORD (the same value) and its own secrets
#                         (RELEASE_TICKET_SECRET: the same value in the gateway's and the vault's)
#   strongbox-master-key  CRED_ENCRYPT_KEY and CRED_ENCRYPT_KEY_VERSION: the vault's, and only its
#   strongbox-db-<service> the service's database role: username strongbox_<service>, password, and
#                         the uri it reads as DATABASE_URL (host DATABASE_HOST, default strongbox-db-rw,
#                         CloudNativePG's; database DATABASE_NAME, default strongbox)
# and the ConfigMap strongbox-service-roles (deploy/postgres/service-roles.sql, which CloudNativePG
# runs when it makes the database; replaced on every run).
# Needs kubectl (pointed at the cluster) and openssl. Nothing is printed but the objects' names.
set -euo pipefail
namespace=${NAMESPACE:-strongbox}
k() { kubectl --namespace "$namespace" "$@"; }
exists() { k get secret "$1" >/dev/null 2>&1; }
hex() { openssl rand -hex "$1"; }

if exists nats-passwords; then
  echo "nats-passwords exists; reading the NATS passwords from it"
else
  args=()
  for user in gateway vault proxy content usage billing operator; do
    # A letter first: nats-server would read "4a..." as a number (deploy/nats/auth.conf).
    args+=("--from-literal=NATS_${user^^}_PASSWORD=nats_$(hex 16)")
  done
  k create secret generic nats-passwords "${args[@]}" >/dev/null
  echo "created nats-passwords"
fi
nats_password() {
  k get secret nats-passwords -o "jsonpath={.data.NATS_${1^^}_PASSWORD}" | base64 -d
}

create() {
  local name=$1
  shift
  if exists "$name"; then
    echo "$name exists; kept"
  else
    k create secret generic "$name" "$@" >/dev/null
    echo "created $name"
  fi
}

# RELEASE_TICKET_SECRET: one value in the gateway's Secret and the vault's (docs/vault.md).
ticket_secret() { k get secret "$1" -o "jsonpath={.data.RELEASE_TICKET_SECRET}" 2>/dev/null | base64 -d || true; }
ticket_secret=$(ticket_secret strongbox-gateway)
[ -n "$ticket_secret" ] || ticket_secret=$(ticket_secret strongbox-vault)
[ -n "$ticket_secret" ] || ticket_secret=$(hex 32)
create strongbox-gateway --from-literal="NATS_PASSWORD=$(nats_password gateway)" \
  --from-literal="ADMIN_API_KEY=adm_$(hex 24)" --from-literal="JWT_SECRET=$(hex 32)" \
  --from-literal="RELEASE_TICKET_SECRET=$ticket_secret"
create strongbox-vault --from-literal="NATS_PASSWORD=$(nats_password vault)" \
  --from-literal="RELEASE_TICKET_SECRET=$ticket_secret"
# Secrets made before release tickets existed get the key added.
for name in strongbox-gateway strongbox-vault; do
  if [ -z "$(k get secret "$name" -o "jsonpath={.data.RELEASE_TICKET_SECRET}")" ]; then
    k patch secret "$name" --type merge -p "{\"stringData\":{\"RELEASE_TICKET_SECRET\":\"$ticket_secret\"}}" >/dev/null
    echo "added RELEASE_TICKET_SECRET to $name"
  fi
done
create strongbox-master-key --from-literal="CRED_ENCRYPT_KEY=$(hex 32)" --from-literal=CRED_ENCRYPT_KEY_VERSION=1
create strongbox-proxy --from-literal="NATS_PASSWORD=$(nats_password proxy)"
database_host=${DATABASE_HOST:-strongbox-db-rw}
database_name=${DATABASE_NAME:-strongbox}
for service in gateway vault proxy content usage; do
  password=$(hex 16)
  create "strongbox-db-$service" --type=kubernetes.io/basic-auth \
    --from-literal="username=strongbox_$service" --from-literal="password=$password" \
    --from-literal="uri=postgres://strongbox_$service:$password@$database_host:5432/$database_name"
done
root=$(cd "$(dirname "$0")/../.." && pwd)
k create configmap strongbox-service-roles --from-file=service-roles.sql="$root/deploy/postgres/service-roles.sql" \
  --dry-run=client -o yaml | k apply -f - >/dev/null
echo "applied strongbox-service-roles"
create strongbox-content --from-literal="NATS_PASSWORD=$(nats_password content)" \
  --from-literal="MAILING_LIST_TOKEN_SECRET=$(hex 32)"
create strongbox-usage --from-literal="NATS_PASSWORD=$(nats_password usage)"
echo "back up strongbox-master-key outside the cluster: without it no stored credential can be decrypted"
