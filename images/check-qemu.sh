#!/usr/bin/env bash
# Boot the built images on qemu's virt machine (the reference) and script the
# console: wait for the prompt, run a few commands, `poweroff`, and check that
# qemu exits by itself. A debugging tool for the team; CI does not run it.
#
#   bash images/check-qemu.sh [output-dir]     (default: the `current` build)
#
# Boots three times:
#   1. console=ttyS0 earlycon=sbi, with -icount shift=0 (1 instruction = 1 ns
#      of guest time, so /proc/uptime at the prompt ~ instructions to the prompt)
#   2. console=hvc0 earlycon=sbi  (the command line demu uses: SBI console),
#      with the uncompressed initramfs.cpio
#   3. root=/dev/vda on rootfs.ext4 over virtio-blk (no initramfs)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-${DEMU_CACHE:-$HOME/.cache/demu}/images/current}"
OUT="$(cd "$OUT" && pwd -P)"
command -v qemu-system-riscv64 >/dev/null ||
	{ echo "needs qemu-system-riscv64 (apt-get install qemu-system-misc)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }
for f in fw_jump.bin Image initramfs.cpio.gz rootfs.ext4; do
	[ -s "$OUT/$f" ] || { echo "missing $OUT/$f (run images/build.sh)" >&2; exit 1; }
done
echo "[check] images in $OUT"

exec python3 - "$OUT" <<'PYEOF'
import os, subprocess, sys, time, select, shutil, tempfile, re

out = sys.argv[1]
PROMPT = b"~ # "
LOGDIR = tempfile.mkdtemp(prefix="demu-check-")

class Guest:
    def __init__(self, name, args):
        self.name = name
        self.buf = b""
        self.log = open(os.path.join(LOGDIR, name + ".log"), "wb")
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.t0 = time.time()

    def read_some(self, timeout):
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return False
        data = os.read(self.p.stdout.fileno(), 65536)
        if not data:
            return None
        self.log.write(data); self.log.flush()
        self.buf += data
        return True

    def expect(self, pat, timeout=60):
        """Wait for bytes `pat`; return everything before it and consume it."""
        end = time.time() + timeout
        while True:
            i = self.buf.find(pat)
            if i >= 0:
                before = self.buf[:i]
                self.buf = self.buf[i + len(pat):]
                return before
            left = end - time.time()
            if left <= 0:
                fail(self, f"timeout waiting for {pat!r}")
            if self.read_some(left) is None:
                fail(self, f"qemu exited while waiting for {pat!r}")

    def cmd(self, line, timeout=60):
        self.p.stdin.write(line.encode() + b"\n"); self.p.stdin.flush()
        text = self.expect(PROMPT, timeout)
        # drop the echoed command line
        text = text.split(b"\n", 1)[1] if b"\n" in text else b""
        return text.decode(errors="replace").replace("\r", "")

    def wait_exit(self, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if self.read_some(max(0.0, end - time.time())) is None:
                break
        try:
            return self.p.wait(timeout=max(0.1, end - time.time()))
        except subprocess.TimeoutExpired:
            self.p.kill()
            fail(self, "qemu did not exit after poweroff")

def fail(g, msg):
    print(f"[check] FAIL ({g.name}): {msg}; console log: {g.log.name}")
    tail = (g.buf[-1500:]).decode(errors="replace")
    print("---- last console output ----\n" + tail)
    try: g.p.kill()
    except Exception: pass
    sys.exit(1)

def qemu(extra, append, initrd="initramfs.cpio.gz", icount=False):
    a = ["qemu-system-riscv64", "-M", "virt", "-m", "256", "-nographic", "-no-reboot",
         "-bios", f"{out}/fw_jump.bin", "-kernel", f"{out}/Image", "-append", append]
    if initrd:
        a += ["-initrd", f"{out}/{initrd}"]
    if icount:
        a += ["-icount", "shift=0"]
    return a + extra

ok = []

# 1. serial console, earlycon through SBI, instruction count to the prompt
g = Guest("ttyS0", qemu([], "console=ttyS0 earlycon=sbi", icount=True))
boot = g.expect(PROMPT, 120)
t_prompt = time.time() - g.t0
if b"earlycon: sbi0" not in boot:
    fail(g, "no 'earlycon: sbi0' line in the boot log")
if b"OpenSBI" not in boot:
    fail(g, "no OpenSBI banner")
# guest time at "Run /init" (printk timestamp) and at the prompt (uptime,
# typed at once: idle time would also count, qemu's icount sleeps in real time)
m = re.search(rb"\[\s*([0-9.]+)\] Run /init", boot)
t_init = float(m.group(1)) if m else float("nan")
up = g.cmd("cat /proc/uptime")
insns = float(up.split()[0]) * 1e9
uname = g.cmd("uname -a")
if "riscv64" not in uname or "demu" not in uname:
    fail(g, f"unexpected uname: {uname!r}")
cpu = g.cmd("cat /proc/cpuinfo")
if "isa" not in cpu:
    fail(g, "no isa line in /proc/cpuinfo")
tty = g.cmd("tty; echo $PS1; ls /dev/console /dev/null /proc/self >/dev/null && echo dev-ok")
if "dev-ok" not in tty:
    fail(g, f"device nodes: {tty!r}")
# Ctrl-C must interrupt a foreground job (the shell has a controlling tty).
g.p.stdin.write(b"sleep 30\n"); g.p.stdin.flush()
time.sleep(1.0)
g.p.stdin.write(b"\x03"); g.p.stdin.flush()
g.expect(PROMPT, 10)
g.p.stdin.write(b"poweroff\n"); g.p.stdin.flush()
rc = g.wait_exit(60)
print(f"[check] ttyS0: prompt after {t_prompt:.1f} s wall; with -icount shift=0: ~{t_init*1e3:.0f} M "
      f"instructions to 'Run /init', ~{insns/1e6:.0f} M to the prompt; poweroff -> qemu exit code {rc}")
print("[check]   uname -a: " + uname.strip())
print("[check]   tty: " + " ".join(tty.split()))
isa = [l for l in cpu.splitlines() if l.startswith("isa")]
print("[check]   cpuinfo: " + (isa[0] if isa else "?"))

# 2. SBI console, the command line demu uses
g = Guest("hvc0", qemu([], "console=hvc0 earlycon=sbi", initrd="initramfs.cpio"))
boot = g.expect(PROMPT, 120)
if b"earlycon: sbi0" not in boot:
    fail(g, "no 'earlycon: sbi0' line in the boot log")
tty = g.cmd("tty; uname -r")
if "/dev/hvc0" not in tty:
    fail(g, f"shell is not on hvc0: {tty!r}")
g.p.stdin.write(b"poweroff\n"); g.p.stdin.flush()
rc = g.wait_exit(60)
print(f"[check] hvc0 (uncompressed initramfs.cpio): prompt OK, shell on /dev/hvc0, poweroff -> qemu exit code {rc}")

# 3. root on rootfs.ext4 over virtio-blk (-snapshot: the image is not modified)
g = Guest("rootfs", qemu(["-snapshot", "-drive", f"file={out}/rootfs.ext4,if=none,format=raw,id=d0",
                          "-device", "virtio-blk-device,drive=d0"],
                         "console=ttyS0 root=/dev/vda rw", initrd=None))
g.expect(PROMPT, 120)
r = g.cmd("cat /etc/demu-rootfs; grep ' / ' /proc/mounts; cat /proc/cmdline")
if "demu rootfs" not in r or "ext4" not in r or "root=/dev/vda" not in r:
    fail(g, f"not booted from rootfs.ext4: {r!r}")
g.p.stdin.write(b"poweroff\n"); g.p.stdin.flush()
rc = g.wait_exit(60)
print(f"[check] rootfs.ext4: booted with root=/dev/vda, marker found, poweroff -> qemu exit code {rc}")

print(f"[check] PASS (console logs in {LOGDIR})")
PYEOF
