#!/usr/bin/env bash
# `make seed`: creates the development tenant through the admin API of a running cluster.
. "$(dirname "$0")/lib.sh"
fail "make seed needs tenant management, which arrives with the gateway's tenants (issue 3)"
