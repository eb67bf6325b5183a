#!/usr/bin/env bash
# Installs Debian's gdb-multiarch for the GDB stub's client tests
# (tests/gdb_client_test.ts drives it against demu --gdb).
exec bash "$(dirname "$0")/../support/apt_install.sh" gdb-multiarch gdb-multiarch \
	"the gdb client tests will be skipped"
