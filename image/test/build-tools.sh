#!/usr/bin/env bash
# Test-only: an arm64 tree with the Wi-Fi station tools (wpa_supplicant, udhcpc) and pytest (for
# the repository tests run in the guest), which the image itself does not contain, made from the
# cached base stage and carried into the QEMU guest on the test disk. Cached by the base stage's
# key. Usage: build-tools.sh CACHE_DIR OUT_DIR
set -euo pipefail
cache="$1"
out="$2"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
base="$cache/10-base"
packages=(wpasupplicant udhcpc iw python3-pytest)
key="$(cat "$base/key") ${packages[*]}"
if [ -f "$out.key" ] && [ "$(cat "$out.key")" = "$key" ] && [ -d "$out" ]; then
  echo "test tools: cached ($out)"
  exit 0
fi
# shellcheck source=../lib/chroot.sh
source "$repo/image/lib/chroot.sh"
rm -rf --one-file-system "$out" "$out.key"
cp -a --reflink=auto "$base/rootfs" "$out"
# The tree is never booted: no initramfs rebuilds (slow under emulation) for these packages.
sed -i 's/^update_initramfs=.*/update_initramfs=no/' "$out/etc/initramfs-tools/update-initramfs.conf"
chroot_enter "$out"
in_chroot apt-get update -qq
in_chroot apt-get install -y -qq --no-install-recommends "${packages[@]}"
in_chroot apt-get clean
chroot_leave
rm -rf "$out"/var/lib/apt/lists/* "$out"/boot/firmware/* "$out"/usr/share/doc "$out"/lib/modules "$out"/boot/vmlinuz* "$out"/boot/initrd*
echo "$key" > "$out.key"
echo "test tools: built ($(du -sh "$out" | cut -f1))"
