#!/usr/bin/env bash
# Build a Debian trixie riscv64 disk image from Debian's own packages, for demu.
#
#   bash images/debian.sh        # (deno task debian) build or reuse; prints the folder
#
# Output: ${DEMU_CACHE:-$HOME/.cache/demu}/debian/<key>/ with
#   debian.img   ext4 root file system (systemd, python3, Debian's kernel)
#   vmlinux      Debian's kernel, copied out of the image's /boot
#   initrd.img   Debian's initramfs (virtio modules in it), from /boot too
#   fw_jump.bin  OpenSBI, the one demu's default image uses
#   debian.cfg   the demu config that boots them: `deno task start debian.cfg`
# and `.../debian/current` links to the newest. The last line of stdout is the folder.
#
# How: debootstrap --foreign unpacks the packages on this host (stage one);
# the second stage (running the packages' scripts, which builds the
# initramfs) runs inside qemu-system-riscv64 on demu's default kernel, with
# the half-made root file system as its disk. Root logs in on the console
# without a password (agetty --autologin), on ttyS0, hvc0 or whichever
# console= names. The archive comes from this host's apt sources.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DEMU_CACHE:-$HOME/.cache/demu}/debian"
SUITE=trixie
IMAGE_MIB=2048
# What the image holds besides Debian's minimal base.
INCLUDE=systemd-sysv,udev,dbus,linux-image-riscv64,initramfs-tools,zstd,python3,procps,kmod,e2fsprogs
HOST_PKGS=(debootstrap debian-archive-keyring qemu-system-misc e2fsprogs coreutils)

log() { echo "[debian] $*" >&2; }
die() { echo "[debian] ERROR: $*" >&2; exit 1; }
# shellcheck source=images/apt_archive.sh
. "$HERE/apt_archive.sh"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

[ "$(id -u)" = 0 ] || command -v sudo >/dev/null ||
	die "needs root (debootstrap makes device nodes and root-owned files)"
command -v dpkg-query >/dev/null || die "needs a Debian host with apt"

missing=()
for p in "${HOST_PKGS[@]}"; do
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)" = "ii " ] ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	log "apt-get update; installing ${missing[*]}..."
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >&2
fi
ARCHIVE="$(archive_uri)" || exit 1

# demu's default image: its kernel runs the second stage in qemu (it has
# virtio-blk and ext4 built in; Debian's has them as modules), its OpenSBI
# boots the result on demu.
DEFAULT="$(bash "$HERE/build.sh" | tail -n1)"
[ -f "$DEFAULT/Image" ] && [ -f "$DEFAULT/fw_jump.bin" ] || die "no default image in '$DEFAULT'"

KEY="$(find "$HERE/debian.sh" "$HERE/debian" -type f | sort | xargs cat | sha256sum | cut -c1-16)"
OUT="$CACHE/$KEY"
if [ -f "$OUT/debian.cfg" ]; then
	log "up to date: $OUT"
	echo "$OUT"
	exit 0
fi
WORK="$CACHE/build-$KEY"
as_root rm -rf "$WORK"
mkdir -p "$WORK"
ROOT="$WORK/root"

log "stage one: debootstrap --foreign $SUITE riscv64 from $ARCHIVE (about 2 min)..."
as_root debootstrap --foreign --arch=riscv64 --variant=minbase --include="$INCLUDE" \
	"$SUITE" "$ROOT" "$ARCHIVE" >"$WORK/stage1.log" 2>&1 ||
	die "debootstrap failed; see $WORK/stage1.log"

log "configuring (fstab, hostname, autologin, initramfs modules, apt sources)..."
as_root cp -r "$HERE/debian/rootfs/." "$ROOT/"
echo "deb $ARCHIVE $SUITE main" | as_root tee "$ROOT/etc/apt/sources.list" >/dev/null
as_root install -m 755 "$HERE/debian/stage2.sh" "$ROOT/demu-stage2.sh"

log "stage two in qemu-system-riscv64 (the packages' scripts; about 10 min)..."
truncate -s "${IMAGE_MIB}M" "$WORK/debian.img"
as_root mkfs.ext4 -q -F -L debian -d "$ROOT" "$WORK/debian.img"
timeout 3600 qemu-system-riscv64 -M virt -m 2048 -nographic -no-reboot \
	-bios "$DEFAULT/fw_jump.bin" -kernel "$DEFAULT/Image" \
	-append "root=/dev/vda rw console=ttyS0 init=/demu-stage2.sh panic=-1" \
	-drive "if=none,id=root,format=raw,file=$WORK/debian.img" \
	-device virtio-blk-device,drive=root </dev/null >"$WORK/stage2.log" 2>&1 || true
grep -q DEMU-STAGE2-OK "$WORK/stage2.log" ||
	die "the second stage failed; see $WORK/stage2.log"

log "copying Debian's kernel and initramfs out of /boot..."
e2fsck -fy "$WORK/debian.img" >/dev/null 2>&1 || true
kernel="$(debugfs -R 'ls -p /boot' "$WORK/debian.img" 2>/dev/null |
	grep -oE 'vmlinux-[^/]+' | sort -V | tail -n1)"
[ -n "$kernel" ] || die "no /boot/vmlinux-* in the image"
version="${kernel#vmlinux-}"
debugfs -R "dump /boot/$kernel $WORK/vmlinux" "$WORK/debian.img" 2>/dev/null
debugfs -R "dump /boot/initrd.img-$version $WORK/initrd.img" "$WORK/debian.img" 2>/dev/null
[ -s "$WORK/vmlinux" ] && [ -s "$WORK/initrd.img" ] || die "no initrd.img-$version in /boot"
cp "$DEFAULT/fw_jump.bin" "$WORK/fw_jump.bin"
cat >"$WORK/debian.cfg" <<EOF
/* Debian $SUITE riscv64 (images/debian.sh): deno task start $OUT/debian.cfg */
{
  version: 1,
  machine: "riscv64",
  memory_size: 1024,
  bios: "fw_jump.bin",
  kernel: "vmlinux",
  initrd: "initrd.img",
  /* ttyS0 is the UART; console=hvc0 (the virtio console) works as well. */
  cmdline: "root=/dev/vda rw console=ttyS0 quiet",
  drive0: { file: "debian.img" },
}
EOF
{
	echo "suite: $SUITE"
	echo "archive: $ARCHIVE"
	echo "kernel: $version"
	grep -oE 'DEMU-PKG [^ ]+ [^ ]+' "$WORK/stage2.log" | cut -d' ' -f2- | tr -d '\r' || true
} >"$WORK/versions.txt"
mkdir -p "$OUT"
mv "$WORK/debian.img" "$WORK/vmlinux" "$WORK/initrd.img" "$WORK/fw_jump.bin" \
	"$WORK/debian.cfg" "$WORK/versions.txt" "$OUT/"
as_root rm -rf "$WORK"
ln -sfn "$KEY" "$CACHE/current"
log "done: $OUT"
echo "$OUT"
