#!/usr/bin/env bash
# Creates .data/sdk-venv with the official openai and anthropic Python SDKs (from PyPI), which the
# tests run, unmodified, against the gateway; pygltflib, which reads the scenes' glTF export; and
# prometheus-client, whose parser reads every service's /metrics; and playwright, which drives
# Debian's chromium through the admin console (its own browser downloads are not used).
# Idempotent.
. "$(dirname "$0")/lib.sh"
venv="$ROOT/.data/sdk-venv"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import openai, anthropic, pygltflib, prometheus_client, playwright" 2>/dev/null; then
  exit 0
fi
say "creating the SDK virtualenv in $venv (openai, anthropic, pygltflib, prometheus-client, playwright from PyPI)"
rm -rf "$venv"
if ! python3 -m venv "$venv" 2>/dev/null; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq python3-venv >/dev/null
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check openai anthropic pygltflib prometheus-client playwright
