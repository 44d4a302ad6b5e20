#!/usr/bin/env bash
# Stage "finalise": make the tree a generic image that each device personalises at first boot —
# no machine-id, no SSH host keys, no random seed, no device secrets, no apt lists or logs — and
# move the boot partition's files out of the root tree (they go to the FAT partition).
# rootfs: copy
set -euo pipefail
: "${STAGE_ROOTFS:?}" "${STAGE_OUT:?}"
root="$STAGE_ROOTFS"

# Identity: empty machine-id = "first boot" for systemd; it creates and commits a new one.
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root/var/lib/systemd/random-seed"
rm -f "$root"/etc/ssh/ssh_host_*

# Package manager caches, logs, temporary files, shell history.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
rm -f "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
find "$root/var/log" -type f \( -name '*.gz' -o -name '*.[0-9]' \) -delete
find "$root/var/log" -type f -exec truncate -s 0 {} +
rm -rf "$root"/tmp/* "$root"/var/tmp/* "$root"/root/.bash_history "$root"/root/.cache
rm -f "$root/etc/resolv.conf.image"
# The build host's resolver must not stay: upstream servers come from DHCP via systemd-resolved.
ln -sfn ../run/systemd/resolve/resolv.conf "$root/etc/resolv.conf"

# The data directory must hold nothing yet: every secret is created on the device.
leftovers="$(find "$root/var/lib/otp-broker" -mindepth 1 | head -n 5)"
if [ -n "$leftovers" ]; then
  echo "finalise: /var/lib/otp-broker is not empty in the image:" >&2
  echo "$leftovers" >&2
  exit 1
fi
if compgen -G "$root/etc/ssh/ssh_host_*" >/dev/null; then
  echo "finalise: SSH host keys left in the image" >&2
  exit 1
fi
[ ! -s "$root/etc/machine-id" ] || { echo "finalise: machine-id not empty" >&2; exit 1; }

# Boot partition contents (written by the raspi-firmware kernel hook) move to $STAGE_OUT/bootfs;
# /boot/firmware stays as the empty mount point.
mkdir -p "$STAGE_OUT/bootfs"
if [ -n "$(ls -A "$root/boot/firmware")" ]; then
  mv "$root"/boot/firmware/* "$STAGE_OUT/bootfs/"
fi
for required in config.txt cmdline.txt; do
  [ -e "$STAGE_OUT/bootfs/$required" ] || { echo "finalise: boot partition lacks $required" >&2; exit 1; }
done
echo "boot partition: $(du -sh "$STAGE_OUT/bootfs" | cut -f1); root tree: $(du -sh "$root" | cut -f1)"
cat "$STAGE_OUT/bootfs/cmdline.txt"
