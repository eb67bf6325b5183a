#!/usr/bin/env bash
# Installs Debian's chromium for the web console's browser test
# (tests/web_browser_test.ts drives it with playwright-core). Root installs
# with apt; otherwise sudo if it works without a password. When neither can,
# it says why and the browser test skips with that reason.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
log() { echo "[chromium] $*" >&2; }

[ -x "$CHROMIUM" ] && exit 0
if ! command -v apt-get >/dev/null; then
	log "no apt-get here: the browser test will be skipped"
	exit 0
fi
if [ "$(id -u)" = 0 ]; then
	as_root() { "$@"; }
elif sudo -n true 2>/dev/null; then
	as_root() { sudo -n "$@"; }
else
	log "not root and no password-less sudo: the browser test will be skipped"
	exit 0
fi
log "installing chromium with apt (once)..."
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	chromium >&2 || log "apt-get install chromium failed: the browser test will be skipped"
