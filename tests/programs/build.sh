#!/usr/bin/env bash
# Builds the bare-metal test and benchmark programs into the cache:
#   ${DEMU_CACHE:-$HOME/.cache/demu}/programs/<name>.elf
# Each C benchmark is also compiled for the host first, and its checksum is
# baked into the guest build, so a guest that computes wrongly exits non-zero.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${DEMU_CACHE:-$HOME/.cache/demu}/programs"
mkdir -p "$out"
if ! command -v riscv64-linux-gnu-gcc >/dev/null; then
  echo "[programs] installing the cross compiler (gcc-riscv64-linux-gnu)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-riscv64-linux-gnu >/dev/null
fi
CROSS_FLAGS=(-march=rv64gc -mabi=lp64d -O2 -nostdlib -nostartfiles -ffreestanding -static
  -mcmodel=medany -fno-pic -T "$here/link.ld")
for src in "$here"/*.c; do
  name="$(basename "$src" .c)"
  elf="$out/$name.elf"
  if [[ -f "$elf" && "$elf" -nt "$src" && "$elf" -nt "$here/crt0.S" && "$elf" -nt "$0" ]]; then continue; fi
  tmp="$(mktemp -d)"
  cat > "$tmp/driver.c" <<'C'
#include <stdio.h>
#include <stdint.h>
extern uint64_t checksum;
int guest_main(void);
int main(void) { guest_main(); printf("0x%llxull\n", (unsigned long long)checksum); return 0; }
C
  gcc -O2 -Dmain=guest_main -c "$src" -o "$tmp/prog.o"
  gcc "$tmp/driver.c" "$tmp/prog.o" -o "$tmp/native"
  expected="$("$tmp/native")"
  riscv64-linux-gnu-gcc "${CROSS_FLAGS[@]}" -DEXPECTED="$expected" "$here/crt0.S" "$src" -o "$tmp/$name.elf"
  mv "$tmp/$name.elf" "$elf"
  rm -rf "$tmp"
  echo "[programs] built $elf (checksum $expected)" >&2
done
echo "$out"
