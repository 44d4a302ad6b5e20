#!/usr/bin/env bash
# Stage "export": assemble the disk image without loop devices (FAT32 boot partition with
# mkfs.vfat + mcopy, ext4 root with mkfs.ext4 -d, MBR with sfdisk on the file), then xz it and
# write its SHA-256. Output in $STAGE_OUT: the raw .img (used by the boot test), .img.xz, .sha256.
# env: IMAGE_VERSION IMAGE_ARCH
# rootfs: none
set -euo pipefail
: "${STAGE_OUT:?}" "${PREV_ROOTFS:?}" "${STAGE_OUT_finalise:?}" "${IMAGE_VERSION:?}" "${IMAGE_ARCH:?}"
root="$PREV_ROOTFS"
bootfs="$STAGE_OUT_finalise/bootfs"
name="otp-broker-$IMAGE_VERSION-$IMAGE_ARCH"
image="$STAGE_OUT/$name.img"
work="$STAGE_OUT/parts"
mkdir -p "$work"

mib=$((1024 * 1024))
boot_start_mib=4
boot_size_mib=256
# Root: used space + 20 % + 64 MiB headroom for first boot; the first boot grows it to the card.
used_kib="$(du -s --apparent-size -k "$root" | cut -f1)"
root_size_mib=$(((used_kib * 12 / 10) / 1024 + 64))

echo "boot partition ${boot_size_mib} MiB, root partition ${root_size_mib} MiB"
rm -f "$work/boot.vfat" "$work/root.ext4"
mkfs.vfat -F 32 -n RASPIFIRM -C "$work/boot.vfat" $((boot_size_mib * 1024)) > /dev/null
mcopy -s -p -m -i "$work/boot.vfat" "$bootfs"/* ::/
mdir -i "$work/boot.vfat" ::/ | tail -n 3

mkfs.ext4 -q -F -L RASPIROOT -m 1 -E root_owner=0:0 -d "$root" "$work/root.ext4" "${root_size_mib}M"
e2fsck -fn "$work/root.ext4" > /dev/null

rm -f "$image"
total_mib=$((boot_start_mib + boot_size_mib + root_size_mib))
truncate -s "${total_mib}M" "$image"
sfdisk --quiet "$image" <<SFDISK
label: dos
start=$((boot_start_mib * mib / 512)), size=$((boot_size_mib * mib / 512)), type=c, bootable
start=$(((boot_start_mib + boot_size_mib) * mib / 512)), type=83
SFDISK
dd if="$work/boot.vfat" of="$image" bs=1M seek="$boot_start_mib" conv=notrunc,sparse status=none
dd if="$work/root.ext4" of="$image" bs=1M seek=$((boot_start_mib + boot_size_mib)) conv=notrunc,sparse status=none
rm -rf "$work"
sfdisk --dump "$image"

xz -T0 -6 -k -f "$image"
(cd "$STAGE_OUT" && sha256sum "$name.img.xz" > "$name.img.xz.sha256")
echo "$total_mib" > "$STAGE_OUT/raw-size"
echo "raw ${total_mib} MiB; compressed $(du -m "$image.xz" | cut -f1) MiB"
