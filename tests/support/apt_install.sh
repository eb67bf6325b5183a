#!/usr/bin/env bash
# Installs one Debian package that a test or bench uses when it is missing:
#   bash tests/support/apt_install.sh COMMAND PACKAGE "WITHOUT IT"
# COMMAND is what the package provides (a name on PATH or an absolute path);
# WITHOUT IT says what happens when it cannot be had ("the browser test will
# be skipped"). Root installs with apt; otherwise sudo if it works without a
# password. Never fails: the caller skips, and says why.
set -euo pipefail
command="$1" package="$2" without="$3"
log() { echo "[$package] $*" >&2; }

command -v "$command" >/dev/null && exit 0
if ! command -v apt-get >/dev/null; then
	log "no apt-get here: $without"
	exit 0
fi
if [ "$(id -u)" = 0 ]; then
	as_root() { "$@"; }
elif sudo -n true 2>/dev/null; then
	as_root() { sudo -n "$@"; }
else
	log "not root and no password-less sudo: $without"
	exit 0
fi
log "installing $package with apt (once)..."
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"$package" >&2 || log "apt-get install $package failed: $without"
