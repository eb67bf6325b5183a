#!/usr/bin/env bash
# Installs Debian's gdb-multiarch for the GDB stub's client tests
# (tests/gdb_client_test.ts drives it against demu --gdb). Root installs with
# apt; otherwise sudo if it works without a password. When neither can, it
# says why and those tests are skipped with that reason.
set -euo pipefail
log() { echo "[gdb] $*" >&2; }

command -v gdb-multiarch >/dev/null && exit 0
if ! command -v apt-get >/dev/null; then
	log "no apt-get here: the gdb client tests will be skipped"
	exit 0
fi
if [ "$(id -u)" = 0 ]; then
	as_root() { "$@"; }
elif sudo -n true 2>/dev/null; then
	as_root() { sudo -n "$@"; }
else
	log "not root and no password-less sudo: the gdb client tests will be skipped"
	exit 0
fi
log "installing gdb-multiarch with apt (once)..."
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	gdb-multiarch >&2 || log "apt-get install gdb-multiarch failed: the gdb client tests will be skipped"
