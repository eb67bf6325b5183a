#!/usr/bin/env bash
# Build the demu guest images from Debian packages (Debian bookworm host).
#
#   bash images/build.sh        # build (or reuse) and print the output dir
#
# Outputs go to ${DEMU_CACHE:-$HOME/.cache/demu}/images/<key>/, where <key>
# hashes the recipe (the files in images/ that affect the build, and the
# versions of the Debian packages used). `.../images/current` links to the
# newest one. The last line of stdout is always the output directory.
# Outputs: fw_jump.bin Image initramfs.cpio.gz rootfs.ext4 versions.txt, and
# initramfs.cpio: the same archive uncompressed (the kernel boots ~35 M guest
# instructions sooner without gunzip; see README.md).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DEMU_CACHE:-$HOME/.cache/demu}/images"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
CROSS=riscv64-linux-gnu-
KSRC_TAR=/usr/src/linux-source-6.1.tar.xz
OPENSBI_FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
ROOTFS_MIB=32
OUTPUTS=(fw_jump.bin Image initramfs.cpio.gz initramfs.cpio rootfs.ext4 versions.txt)
# Files in images/ that affect the result (README.md, check-qemu.sh do not).
RECIPE=(build.sh linux.config busybox.config init inittab profile)

log() { echo "[images] $*" >&2; }
# shellcheck source=images/apt_archive.sh
. "$HERE/apt_archive.sh"
die() { echo "[images] ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- packages
PKGS=(make gcc libc6-dev bc flex bison libssl-dev libelf-dev cpio gzip xz-utils
	dpkg-dev e2fsprogs util-linux coreutils findutils
	gcc-riscv64-linux-gnu libc6-dev-riscv64-cross linux-source-6.1 opensbi)

# One dpkg-query for every package (one per package cost ~0.6 s, and
# `deno task start` runs this script before each start).
declare -A PKG_STATUS=() PKG_VERSION=()
read_packages() {
	PKG_STATUS=() PKG_VERSION=()
	local name status version
	while IFS=$'\t' read -r name status version; do
		PKG_STATUS[$name]="$status" PKG_VERSION[$name]="$version"
	done < <(dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Version}\n' "${PKGS[@]}" 2>/dev/null || true)
}
pkg_version() { echo "${PKG_VERSION[$1]:-}"; }
is_installed() { [ "${PKG_STATUS[$1]:-}" = "ii " ]; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=0
apt_update() {
	if [ "$APT_UPDATED" = 0 ]; then
		log "apt-get update..."
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
		APT_UPDATED=1
	fi
}

ensure_packages() {
	command -v dpkg-query >/dev/null || die "needs a Debian (bookworm) host with apt"
	local missing=() p
	read_packages
	for p in "${PKGS[@]}"; do is_installed "$p" || missing+=("$p"); done
	if [ "${#missing[@]}" -gt 0 ]; then
		apt_update
		log "installing ${missing[*]}..."
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${missing[@]}" >&2
		read_packages
	fi
	[ -f "$KSRC_TAR" ] || die "$KSRC_TAR missing (package linux-source-6.1)"
	[ -f "$OPENSBI_FW" ] || die "$OPENSBI_FW missing (package opensbi)"
}

# Add a deb-src entry for the Debian archive the deb lines already use.
ensure_deb_src() {
	if grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return
	fi
	local suite uri
	suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
	uri="$(archive_uri)" || exit 1
	log "adding deb-src $uri $suite (for busybox's source)"
	{
		echo "Types: deb-src"
		echo "URIs: $uri"
		echo "Suites: $suite"
		echo "Components: main"
		if [ -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then
			echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
		fi
	} | as_root tee /etc/apt/sources.list.d/demu-deb-src.sources >/dev/null
	APT_UPDATED=0
}

hash_of() { sha256sum | cut -c1-16; }

# Check that every line of a config fragment is in the final config.
# Lines: CONFIG_X=val or "# CONFIG_X is not set" (an absent symbol counts as
# not set). Fails naming every option that did not stick.
check_fragment() { # fragment final-config what
	local frag="$1" cfg="$2" what="$3" bad=() line sym want got
	while IFS= read -r line; do
		if [[ "$line" =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			sym="${BASH_REMATCH[1]}" want="${BASH_REMATCH[2]}"
			got="$(grep -E "^$sym=" "$cfg" | head -n1 | cut -d= -f2- || true)"
			[ "$got" = "$want" ] || bad+=("$sym=$want (got: ${got:-not set})")
		elif [[ "$line" =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym="${BASH_REMATCH[1]}"
			if grep -qE "^$sym=" "$cfg"; then
				bad+=("$sym not set (got: $(grep -E "^$sym=" "$cfg" | cut -d= -f2-))")
			fi
		fi
	done <"$frag"
	if [ "${#bad[@]}" -gt 0 ]; then
		echo "[images] ERROR: $what: options from $(basename "$frag") that did not stick:" >&2
		printf '[images]    %s\n' "${bad[@]}" >&2
		exit 1
	fi
}

# ---------------------------------------------------------------- sources
# Kernel source: extracted once per Debian package version, shared by recipes.
kernel_source() {
	local ver dir
	ver="$(pkg_version linux-source-6.1)"
	dir="$CACHE/src/linux-source-$ver"
	if [ ! -f "$dir/.demu-extracted" ]; then
		log "extracting $KSRC_TAR (about 1 min, once)..."
		rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
		tar -xf "$KSRC_TAR" -C "$dir.tmp" --strip-components=1
		touch "$dir.tmp/.demu-extracted"
		rm -rf "$dir" && mv -T "$dir.tmp" "$dir"
	fi
	KSRC="$dir"
}

# Busybox source: `apt-get source busybox` (Debian patches applied), once.
busybox_source() {
	local dl="$CACHE/src/busybox-dl" d
	d="$(find "$dl" -maxdepth 1 -type d -name 'busybox-*' 2>/dev/null | sort | tail -n1 || true)"
	if [ -z "$d" ] || [ ! -f "$dl/.demu-extracted" ]; then
		ensure_deb_src
		apt_update
		log "fetching busybox source (apt-get source busybox)..."
		rm -rf "$dl.tmp" && mkdir -p "$dl.tmp"
		# apt drops privileges to _apt for downloads; let it write here.
		chmod 777 "$dl.tmp"
		(cd "$dl.tmp" && apt-get source -qq busybox >"$dl.tmp/source.log" 2>&1) ||
			{ tail -n 20 "$dl.tmp/source.log" >&2; die "apt-get source busybox failed"; }
		touch "$dl.tmp/.demu-extracted"
		rm -rf "$dl" && mv -T "$dl.tmp" "$dl"
		d="$(find "$dl" -maxdepth 1 -type d -name 'busybox-*' | sort | tail -n1)"
	fi
	BBSRC="$d"
	BB_DEBVER="$(cd "$BBSRC" && dpkg-parsechangelog -S Version 2>/dev/null || echo unknown)"
}

# ---------------------------------------------------------------- builds
build_kernel() { # -> $KOBJ/arch/riscv/boot/Image
	# One object dir per kernel source version, reconfigured from scratch when
	# the fragment changes: kbuild then rebuilds only what the change touches.
	local want
	want="$(cat "$HERE/linux.config" | hash_of)"
	KOBJ="$CACHE/build/linux-${KSRC##*/linux-source-}"
	mkdir -p "$KOBJ"
	if [ "$(cat "$KOBJ/.demu-config-hash" 2>/dev/null || true)" != "$want" ]; then
		rm -f "$KOBJ/.demu-config-hash"
		log "configuring kernel (tinyconfig + linux.config)..."
		make -s -C "$KSRC" O="$KOBJ" ARCH=riscv CROSS_COMPILE=$CROSS tinyconfig >"$KOBJ/config.log" 2>&1 ||
			{ tail -n 30 "$KOBJ/config.log" >&2; die "make tinyconfig failed"; }
		(cd "$KOBJ" && ARCH=riscv CROSS_COMPILE=$CROSS \
			"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KOBJ" "$KOBJ/.config" "$HERE/linux.config") \
			>>"$KOBJ/config.log" 2>&1 || { tail -n 30 "$KOBJ/config.log" >&2; die "merge_config failed"; }
		make -s -C "$KSRC" O="$KOBJ" ARCH=riscv CROSS_COMPILE=$CROSS olddefconfig >>"$KOBJ/config.log" 2>&1 ||
			{ tail -n 30 "$KOBJ/config.log" >&2; die "make olddefconfig failed"; }
		check_fragment "$HERE/linux.config" "$KOBJ/.config" "kernel config"
		echo "$want" >"$KOBJ/.demu-config-hash"
	fi
	log "building kernel (about 5 min on 2 cores; log: $KOBJ/build.log)..."
	make -C "$KSRC" O="$KOBJ" ARCH=riscv CROSS_COMPILE=$CROSS -j"$JOBS" Image \
		>"$KOBJ/build.log" 2>&1 || { tail -n 40 "$KOBJ/build.log" >&2; die "kernel build failed"; }
	gcc -O2 -o "$KOBJ/gen_init_cpio" "$KSRC/usr/gen_init_cpio.c" || die "building gen_init_cpio failed"
	KREL="$(make -s -C "$KSRC" O="$KOBJ" ARCH=riscv CROSS_COMPILE=$CROSS kernelrelease 2>/dev/null | tail -n1)"
}

build_busybox() { # -> $BBOBJ/busybox
	local want line sym
	want="$(cat "$HERE/busybox.config" | hash_of)"
	BBOBJ="$CACHE/build/busybox-${BB_DEBVER//:/_}"
	mkdir -p "$BBOBJ"
	if [ "$(cat "$BBOBJ/.demu-config-hash" 2>/dev/null || true)" != "$want" ]; then
		rm -f "$BBOBJ/.demu-config-hash"
		log "configuring busybox (defconfig + busybox.config)..."
		make -s -C "$BBSRC" O="$BBOBJ" defconfig >"$BBOBJ/config.log" 2>&1 ||
			{ tail -n 30 "$BBOBJ/config.log" >&2; die "busybox defconfig failed"; }
		while IFS= read -r line; do
			if [[ "$line" =~ ^(CONFIG_[A-Za-z0-9_]+)= ]] ||
				[[ "$line" =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
				sym="${BASH_REMATCH[1]}"
				sed -i -E "/^(# )?$sym(=| is not set)/d" "$BBOBJ/.config"
				echo "$line" >>"$BBOBJ/.config"
			fi
		done <"$HERE/busybox.config"
		(yes "" || true) | make -C "$BBSRC" O="$BBOBJ" oldconfig >>"$BBOBJ/config.log" 2>&1 ||
			{ tail -n 30 "$BBOBJ/config.log" >&2; die "busybox oldconfig failed"; }
		check_fragment "$HERE/busybox.config" "$BBOBJ/.config" "busybox config"
		echo "$want" >"$BBOBJ/.demu-config-hash"
	fi
	log "building busybox (about 2 min; log: $BBOBJ/build.log)..."
	make -C "$BBOBJ" CROSS_COMPILE=$CROSS -j"$JOBS" busybox >"$BBOBJ/build.log" 2>&1 ||
		{ tail -n 40 "$BBOBJ/build.log" >&2; die "busybox build failed"; }
	file_is_static "$BBOBJ/busybox" || die "busybox is not statically linked"
}

file_is_static() { ! ${CROSS}readelf -l "$1" | grep -q INTERP; }

# The busybox tree shared by the initramfs and the ext4 root.
make_tree() { # dir
	local t="$1"
	mkdir -p "$t"
	make -C "$BBOBJ" CROSS_COMPILE=$CROSS CONFIG_PREFIX="$t" install >"$BBOBJ/install.log" 2>&1 ||
		{ tail -n 20 "$BBOBJ/install.log" >&2; die "busybox install failed"; }
	rm -f "$t/linuxrc"
	mkdir -p "$t"/{dev,proc,sys,tmp,run,root,mnt,etc/init.d,usr/share/udhcpc,var/log}
	chmod 1777 "$t/tmp"
	chmod 700 "$t/root"
	install -m 755 "$HERE/init" "$t/init"
	ln -s ../../init "$t/etc/init.d/rcS"
	install -m 644 "$HERE/inittab" "$t/etc/inittab"
	install -m 644 "$HERE/profile" "$t/etc/profile"
	install -m 755 "$BBSRC/examples/udhcp/simple.script" "$t/usr/share/udhcpc/default.script"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$t/etc/passwd"
	printf 'root:x:0:\n' >"$t/etc/group"
	printf 'demu\n' >"$t/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tdemu\n' >"$t/etc/hosts"
	printf 'proc /proc proc defaults 0 0\n' >"$t/etc/fstab"
}

# ---------------------------------------------------------------- main
main() {
	mkdir -p "$CACHE"
	ensure_packages

	local key f
	key="$(
		for f in "${RECIPE[@]}"; do echo "== $f"; cat "$HERE/$f"; done
		echo "linux-source-6.1 $(pkg_version linux-source-6.1)"
		echo "opensbi $(pkg_version opensbi)"
		echo "gcc-riscv64-linux-gnu $(pkg_version gcc-riscv64-linux-gnu)"
		echo "libc6-dev-riscv64-cross $(pkg_version libc6-dev-riscv64-cross)"
	)"
	key="$(echo "$key" | hash_of)"
	local out="$CACHE/$key"

	# One build at a time per cache.
	exec 9>"$CACHE/.lock"
	flock 9

	local have=1
	for f in "${OUTPUTS[@]}"; do [ -s "$out/$f" ] || have=0; done
	if [ "$have" = 0 ]; then
		local t0=$SECONDS
		local stage="$CACHE/.tmp-$key-$$"
		rm -rf "$stage"
		mkdir -p "$stage"
		trap 'rm -rf "$stage"' EXIT

		kernel_source
		busybox_source
		build_kernel
		build_busybox

		log "assembling initramfs and rootfs..."
		cp "$OPENSBI_FW" "$stage/fw_jump.bin"
		cp "$KOBJ/arch/riscv/boot/Image" "$stage/Image"

		# initramfs: the tree via cpio (owned by root), plus a second newc
		# archive with the /dev nodes the kernel needs before /init runs,
		# made by the kernel's gen_init_cpio (no root needed).
		local tree="$stage/tree"
		make_tree "$tree"
		printf '%s\n' 'dir /dev 0755 0 0' 'nod /dev/console 0600 0 0 c 5 1' \
			'nod /dev/null 0666 0 0 c 1 3' >"$stage/devnodes.list"
		{
			(cd "$tree" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
			"$KOBJ/gen_init_cpio" "$stage/devnodes.list"
		} >"$stage/initramfs.cpio"
		gzip -9 -n <"$stage/initramfs.cpio" >"$stage/initramfs.cpio.gz"

		# rootfs.ext4: the same tree plus a marker file.
		echo "demu rootfs $key" >"$tree/etc/demu-rootfs"
		mke2fs -q -t ext4 -L demu-root -E root_owner=0:0 -d "$tree" \
			"$stage/rootfs.ext4" "${ROOTFS_MIB}M" >"$stage/mke2fs.log" 2>&1 ||
			{ cat "$stage/mke2fs.log" >&2; die "mke2fs failed"; }
		rm -rf "$tree" "$stage/devnodes.list" "$stage/mke2fs.log"

		{
			echo "recipe-key: $key"
			echo "kernel: $KREL (Debian linux-source-6.1 $(pkg_version linux-source-6.1))"
			echo "busybox: $(basename "$BBSRC" | sed 's/^busybox-//') (Debian source busybox $BB_DEBVER)"
			echo "opensbi: $(pkg_version opensbi) (Debian opensbi, generic/fw_jump.bin)"
			echo "cross-gcc: $(${CROSS}gcc -dumpfullversion) (Debian gcc-riscv64-linux-gnu $(pkg_version gcc-riscv64-linux-gnu))"
			echo "glibc: Debian libc6-dev-riscv64-cross $(pkg_version libc6-dev-riscv64-cross)"
			echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		} >"$stage/versions.txt"

		rm -rf "$out"
		mv -T "$stage" "$out"
		trap - EXIT
		log "built in $((SECONDS - t0)) s"

		# Drop build dirs of other recipes (keeps incremental rebuilds of this one).
		for f in "$CACHE"/build/*; do
			[ "$f" = "$KOBJ" ] || [ "$f" = "$BBOBJ" ] || rm -rf "$f"
		done
	fi

	ln -sfn "$key" "$CACHE/current.tmp.$$"
	mv -T "$CACHE/current.tmp.$$" "$CACHE/current"

	# Keep the 3 newest output dirs (a running VM keeps its open files).
	local old
	old="$(find "$CACHE" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended \
		-regex '.*/[0-9a-f]{16}' -printf '%T@ %p\n' | sort -rn | tail -n +4 | cut -d' ' -f2- || true)"
	for f in $old; do [ "$f" = "$out" ] || rm -rf "$f"; done

	log "outputs in $out:"
	(cd "$out" && ls -l "${OUTPUTS[@]}" | sed 's/^/[images]   /' >&2)
	echo "$out"
}

main "$@"
