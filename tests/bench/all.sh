#!/usr/bin/env bash
# `deno task bench`: every benchmark, each with only the permissions it needs.
# Where qemu-system-riscv64 is installed (install_qemu.sh tries), the benches
# run the same programs and images on it and print demu/QEMU ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash images/bundle.sh >&2
bash tests/programs/build.sh >&2
bash tests/bench/install_qemu.sh
deno run --allow-read --allow-env --allow-run=qemu-system-riscv64 tests/bench/run.ts
# CoreMark beside QEMU in paired rounds, CPU time and steady speed (-A: /proc/self/schedstat).
deno run --allow-all tests/bench/coremark.ts
deno run --allow-read --allow-write --allow-env tests/bench/p9.ts
deno run --allow-read --allow-write --allow-env tests/bench/blk.ts
deno run --allow-read --allow-env --allow-net=127.0.0.1 tests/bench/net.ts
deno run --allow-read --allow-write --allow-env --allow-net=127.0.0.1 tests/bench/devices.ts
deno run --allow-all tests/bench/vs_qemu.ts
deno run --allow-all tests/bench/guest_work.ts
deno run --allow-read --allow-write --allow-run --allow-env --allow-sys=loadavg tests/bench/startup.ts
deno run --allow-read --allow-env tests/bench/display.ts
deno run --allow-read --allow-write --allow-run --allow-env tests/bench/snapshot.ts
