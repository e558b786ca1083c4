#!/usr/bin/env bash
# Puts Swagger UI's files (swagger-ui-bundle.js, swagger-ui.css, LICENSE) into .data/swagger-ui, for
# the gateway's /docs: no page of the product loads anything from another origin. Swagger UI is not
# packaged by Debian; PyPI's drf-spectacular-sidecar ships its distribution build (5.33.1 in the
# pinned version). Idempotent.
. "$(dirname "$0")/lib.sh"
SIDECAR_VERSION=2026.10.1
target="${SWAGGER_UI_DIR:-$DATA/swagger-ui}"
[ -s "$target/swagger-ui-bundle.js" ] && [ -s "$target/swagger-ui.css" ] && exit 0

say "fetching Swagger UI for /docs (drf-spectacular-sidecar $SIDECAR_VERSION from PyPI) into $target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pip=(python3 -m pip)
if ! python3 -m pip --version >/dev/null 2>&1; then
  python3 -m venv "$work/venv" 2>/dev/null || {
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$work/venv"
  }
  pip=("$work/venv/bin/pip")
fi
"${pip[@]}" download -q --no-deps --only-binary=:all: -d "$work" "drf-spectacular-sidecar==$SIDECAR_VERSION"
python3 - "$work"/drf_spectacular_sidecar-*.whl "$target" <<'PY'
import sys, zipfile, os
wheel, target = sys.argv[1], sys.argv[2]
os.makedirs(target, exist_ok=True)
prefix = "drf_spectacular_sidecar/static/drf_spectacular_sidecar/swagger-ui-dist/"
with zipfile.ZipFile(wheel) as archive:
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"):
        with open(os.path.join(target, name), "wb") as out:
            out.write(archive.read(prefix + name))
PY
