#!/usr/bin/env bash
# Assembles the ISA test programs into the cache:
#   ${DEMU_CACHE:-$HOME/.cache/demu}/isa/<name>.elf
# Each <name>.S is linked with common.S (start-up, pass/fail, trap handlers).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${DEMU_CACHE:-$HOME/.cache/demu}/isa"
mkdir -p "$out"
if ! command -v riscv64-linux-gnu-gcc >/dev/null; then
  echo "[isa] installing the cross compiler (gcc-riscv64-linux-gnu)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-riscv64-linux-gnu >/dev/null
fi
for src in "$here"/*.S; do
  name="$(basename "$src" .S)"
  [[ "$name" == common ]] && continue
  elf="$out/$name.elf"
  if [[ -f "$elf" ]]; then
    fresh=1
    for dep in "$src" "$here/common.S" "$here/macros.h" "$here/link.ld" "$0"; do
      [[ "$elf" -nt "$dep" ]] || fresh=0
    done
    [[ $fresh == 1 ]] && continue
  fi
  riscv64-linux-gnu-gcc -march=rv64gc -mabi=lp64d -nostdlib -nostartfiles -static -fno-pic \
    -mcmodel=medany -Wl,--no-relax,--build-id=none -T "$here/link.ld" -I "$here" "$here/common.S" "$src" -o "$elf.tmp"
  mv "$elf.tmp" "$elf"
  echo "[isa] built $elf" >&2
done
echo "$out"
