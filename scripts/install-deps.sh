#!/usr/bin/env bash
# Installs the Debian packages the project needs, if any are missing. Idempotent.
. "$(dirname "$0")/lib.sh"

# chromium: the console's browser tests; libjs-chart.js: the console's charts (the gateway serves it).
PACKAGES=(nats-server libnats-dev postgresql libpq-dev libssl-dev libcurl4-openssl-dev pkg-config python3 curl
  chromium libjs-chart.js)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The OpenAPI document is validated by openapi-spec-validator (PyPI) in the tests.
if ! python3 -c "import openapi_spec_validator" 2>/dev/null; then
  say "installing openapi-spec-validator"
  python3 -m pip install -q openapi-spec-validator 2>/dev/null \
    || python3 -m pip install -q --break-system-packages openapi-spec-validator
fi

# The Debian postgresql package starts a system cluster on 5432; we run our own under .data/.
command -v swift >/dev/null || fail "the Swift toolchain is not on PATH (install Swift 6.x from swift.org)"
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || fail "nats-server did not install"
pkg-config --exists libnats || fail "libnats-dev did not install"
