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
CROSS_FLAGS=(-march=rv64gc -mabi=lp64d -O2 -ffp-contract=off -nostdlib -nostartfiles -ffreestanding -static
  -mcmodel=medany -fno-pic -Wl,--build-id=none -T "$here/link.ld")
LINUX_FLAGS=(-march=rv64gc -mabi=lp64d -O2 -ffp-contract=off -static)
# No build-id note: it would sit at 0x80000000, where QEMU's spike machine starts (tests/bench/qemu.ts).
# Each program twice: bare (crt0.S, M-mode) and full-system (crt0_sv39.S:
# S-mode, Sv39 paging, a timer interrupt every millisecond).
build() { # name src crt0 output [cflags...]
  local name="$1" src="$2" crt0="$3" elf="$4"
  local cflags=("${@:5}")
  local newer=1 dep
  for dep in "$src" "$crt0" "$0" "$here"/*.h; do [[ "$elf" -nt "$dep" ]] || newer=0; done
  if [[ -f "$elf" && $newer == 1 ]]; then return; fi
  tmp="$(mktemp -d)"
  cat > "$tmp/driver.c" <<'C'
#include <stdio.h>
#include <stdint.h>
extern uint64_t checksum;
int guest_main(void);
int main(void) { guest_main(); printf("0x%llxull\n", (unsigned long long)checksum); return 0; }
C
  gcc -O2 -ffp-contract=off "${cflags[@]}" -Dmain=guest_main -c "$src" -o "$tmp/prog.o"
  gcc "$tmp/driver.c" "$tmp/prog.o" -lm -o "$tmp/native"
  expected="$("$tmp/native")"
  if [[ "$crt0" == linux ]]; then # a static Linux program: glibc's start-up, main's status
    riscv64-linux-gnu-gcc "${LINUX_FLAGS[@]}" "${cflags[@]}" -DEXPECTED="$expected" "$src" \
      -o "$tmp/$name.elf"
  else
    riscv64-linux-gnu-gcc "${CROSS_FLAGS[@]}" "${cflags[@]}" -DEXPECTED="$expected" "$crt0" "$src" \
      -o "$tmp/$name.elf"
  fi
  mv "$tmp/$name.elf" "$elf"
  rm -rf "$tmp"
  echo "[programs] built $elf (checksum $expected)" >&2
}
# A program's own compiler flags, if any, are on a first line `// cflags: ...`.
for src in "$here"/*.c; do
  name="$(basename "$src" .c)"
  read -r -a flags <<<"$(sed -n '1s|^// cflags: ||p' "$src")"
  build "$name" "$src" "$here/crt0.S" "$out/$name.elf" "${flags[@]}"
  build "${name}_sv39" "$src" "$here/crt0_sv39.S" "$out/${name}_sv39.elf" "${flags[@]}"
done
# fpmix ten times over (230 M instructions), full system: the FP figure of the benchmark, long
# enough for the translator's steady speed and for a comparison with QEMU (tests/bench/qemu.ts).
build fpmix_long_sv39 "$here/fpmix.c" "$here/crt0_sv39.S" "$out/fpmix_long_sv39.elf" -DITERATIONS=60
read -r -a fpbench_flags <<<"$(sed -n '1s|^// cflags: ||p' "$here/fpbench.c")"
build fpbench_long_sv39 "$here/fpbench.c" "$here/crt0_sv39.S" "$out/fpbench_long_sv39.elf" \
  "${fpbench_flags[@]}" -DITERATIONS=50
# One pass of fpbench (5.6 M instructions): compiled FP code in lockstep (tests/fpu_jit_test.ts).
build fpbench_short_sv39 "$here/fpbench.c" "$here/crt0_sv39.S" "$out/fpbench_short_sv39.elf" \
  "${fpbench_flags[@]}" -DITERATIONS=1
# Ten times intmix's work (1.1 G instructions), full system: long enough that
# the translator's steady speed shows, not its warm-up (the benchmark).
build intmix_long_sv39 "$here/intmix.c" "$here/crt0_sv39.S" "$out/intmix_long_sv39.elf" \
  -DITERATIONS=1200
# coremark.c ten times longer (527 M instructions), so that QEMU's start-up and
# translation weigh little in its figure too (tests/bench/qemu.ts).
build coremark_long_sv39 "$here/coremark.c" "$here/crt0_sv39.S" "$out/coremark_long_sv39.elf" \
  -DITERATIONS=4000
# ... and bare (M-mode, no paging): the same work without the MMU's cost (tests/bench/coremark.ts).
build coremark_long "$here/coremark.c" "$here/crt0.S" "$out/coremark_long.elf" -DITERATIONS=4000
# coremark.c as a static Linux program (exit status 0: right checksum), run inside the default
# image on demu and on QEMU by tests/bench/guest_work.ts: a real compiled program under Linux.
build coremark_linux "$here/coremark.c" linux "$out/coremark_linux" -DITERATIONS=4000
# The guest-side fuzzer (tests/fuzz/guest.ts runs it): a hostile guest with no host twin.
gf="$here/guest_fuzz/guest_fuzz.c"
gf_elf="$out/guest_fuzz.elf"
if [[ ! -f "$gf_elf" || "$gf" -nt "$gf_elf" || "$here/crt0.S" -nt "$gf_elf" || "$0" -nt "$gf_elf" ]]; then
  riscv64-linux-gnu-gcc "${CROSS_FLAGS[@]}" "$here/crt0.S" "$gf" -o "$gf_elf.tmp" && mv "$gf_elf.tmp" "$gf_elf"
  echo "[programs] built $gf_elf" >&2
fi
echo "$out"
