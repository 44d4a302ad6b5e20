#!/usr/bin/env bash
# Runs inside mmdebstrap after the packages are installed: settings that belong to the base
# system (hostname, fstab, boot partition layout) and a fresh run of the firmware kernel hook
# so that cmdline.txt names the root partition by label.
set -euo pipefail
root="$1"

echo otp-broker > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\totp-broker\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  > "$root/etc/hosts"

cat > "$root/etc/fstab" <<'FSTAB'
# <file system>     <mount point>   <type> <options>                      <dump> <pass>
LABEL=RASPIROOT     /               ext4   rw,noatime,commit=60          0      1
LABEL=RASPIFIRM     /boot/firmware  vfat   rw,noatime,umask=0077,nofail  0      2
tmpfs               /tmp            tmpfs  rw,nosuid,nodev,size=64m,mode=1777 0 0
FSTAB

# Debian's raspi-firmware: root by label; serial console on the GPIO header and HDMI.
if [ -f "$root/etc/default/raspi-firmware" ]; then
  sed -i -e 's/^#\?ROOTPART=.*/ROOTPART=LABEL=RASPIROOT/' "$root/etc/default/raspi-firmware"
  grep -q '^ROOTPART=LABEL=RASPIROOT' "$root/etc/default/raspi-firmware"
  # The hook only acts as dpkg calls it ("configure"), and detects the chroot through /proc.
  mounted_proc=0
  if ! mountpoint -q "$root/proc"; then
    mount -t proc proc "$root/proc"
    mounted_proc=1
  fi
  for kernel in "$root"/boot/vmlinuz-*; do
    version="${kernel##*/vmlinuz-}"
    DEB_MAINT_PARAMS=configure chroot "$root" /etc/kernel/postinst.d/z50-raspi-firmware "$version"
  done
  [ "$mounted_proc" -eq 0 ] || umount "$root/proc"
  grep -q 'root=LABEL=RASPIROOT' "$root/boot/firmware/cmdline.txt"
fi

# Raspberry Pi OS's firmware package does not write cmdline.txt/config.txt (its images get them
# from pi-gen): give the boot partition the same root-by-label command line.
if [ ! -f "$root/boot/firmware/cmdline.txt" ]; then
  echo "console=serial0,115200 console=tty1 root=LABEL=RASPIROOT rootfstype=ext4 fsck.repair=yes rootwait net.ifnames=0" \
    > "$root/boot/firmware/cmdline.txt"
fi
if [ ! -f "$root/boot/firmware/config.txt" ]; then
  printf '%s\n' '# OTP Broker (Raspberry Pi OS base)' arm_64bit=1 auto_initramfs=1 \
    'dtparam=audio=off' '[all]' > "$root/boot/firmware/config.txt"
fi
