#!/usr/bin/env bash
# Installs Debian's qemu-system-riscv64 (package qemu-system-misc), which the
# benchmarks run the same programs and images on for a reference figure
# (tests/bench/qemu.ts).
exec bash "$(dirname "$0")/../support/apt_install.sh" qemu-system-riscv64 qemu-system-misc \
	"the benchmarks run without the QEMU comparison"
