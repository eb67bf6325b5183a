#!/usr/bin/env bash
# Installs Debian's qemu-system-riscv64 (package qemu-system-misc), which the
# benchmark runs the same programs on for a reference figure
# (tests/bench/qemu.ts). Root installs with apt; otherwise sudo if it works
# without a password. When neither can, it says so and the benchmark prints
# its own figures without the comparison.
set -euo pipefail
log() { echo "[qemu] $*" >&2; }

command -v qemu-system-riscv64 >/dev/null && exit 0
if ! command -v apt-get >/dev/null; then
	log "no apt-get here: the benchmark runs without the QEMU comparison"
	exit 0
fi
if [ "$(id -u)" = 0 ]; then
	as_root() { "$@"; }
elif sudo -n true 2>/dev/null; then
	as_root() { sudo -n "$@"; }
else
	log "not root and no password-less sudo: the benchmark runs without the QEMU comparison"
	exit 0
fi
log "installing qemu-system-misc with apt (once)..."
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	qemu-system-misc >&2 || log "apt-get install qemu-system-misc failed: no QEMU comparison"
