#!/usr/bin/env bash
# Builds the services (CONFIG=debug by default, or release); the output goes to .data/logs/build.log.
. "$(dirname "$0")/lib.sh"
mkdir -p "$DATA/logs"
say "building (${CONFIG:-debug}; a first build takes about 8 minutes)"
if ! (cd "$ROOT" && swift build -c "${CONFIG:-debug}" ${BUILD_FLAGS:-} >"$DATA/logs/build.log" 2>&1); then
  grep -E "error:" "$DATA/logs/build.log" | head -n 20 >&2 || tail -n 40 "$DATA/logs/build.log" >&2
  fail "the build failed; the full log is $DATA/logs/build.log"
fi
