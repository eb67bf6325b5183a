#!/bin/sh
# Runs as PID 1 in qemu-system-riscv64 (images/debian.sh): debootstrap's second
# stage, then the finishing touches that need the guest's own tools. Prints
# DEMU-STAGE2-OK on success; then init exits, the kernel panics with panic=-1
# and qemu (-no-reboot) stops.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
if /debootstrap/debootstrap --second-stage; then
	passwd -d root >/dev/null
	apt-get clean
	# The first boot would otherwise spend minutes on these on an emulator.
	systemctl mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
		e2scrub_all.timer fstrim.timer 2>/dev/null || true
	# Done here once, not on every first boot (the image is used as a snapshot).
	systemd-hwdb update
	ldconfig
	touch /etc/.updated /var/.updated
	dpkg-query -W -f='DEMU-PKG ${Package} ${Version}\n' linux-image-riscv64 systemd python3
	rm -f /demu-stage2.sh /etc/dpkg/dpkg.cfg.d/demu-unsafe-io
	echo DEMU-STAGE2-OK
else
	tail -n 40 /debootstrap/debootstrap.log
	echo DEMU-STAGE2-FAILED
fi
sync
mount -o remount,ro / 2>/dev/null
sync
