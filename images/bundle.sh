#!/usr/bin/env bash
# Stage the default guest image in images/default/: the folder demu boots when
# it is given nothing else to boot, and the one `deno task compile` embeds in
# the binary (--include), so the source tree and the binary read the same files.
#
#   bash images/bundle.sh       # build the images if needed (build.sh), then copy
#
# Only the files a boot needs are copied (firmware, kernel, uncompressed
# initramfs, and versions.txt to say what they are); unchanged files are kept.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FILES=(fw_jump.bin Image initramfs.cpio versions.txt)

src="$(bash "$HERE/build.sh" | tail -n 1)"
dest="$HERE/default"
mkdir -p "$dest"
for f in "${FILES[@]}"; do
	[ -f "$src/$f" ] || { echo "[bundle] ERROR: $src/$f missing" >&2; exit 1; }
	if ! cmp -s "$src/$f" "$dest/$f"; then
		# The prompt snapshot (backends/process/prompt_snapshot.ts) describes the old files.
		rm -f "$dest/prompt.snap"
		cp "$src/$f" "$dest/.$f.tmp"
		mv -f "$dest/.$f.tmp" "$dest/$f"
	fi
done
echo "[bundle] default image staged in $dest" >&2
echo "$dest"
