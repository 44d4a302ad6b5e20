# Shell functions for stages that run commands inside a root filesystem (sourced, not run).
# Foreign-arch binaries run through the qemu-user binfmt handler registered by host-deps.sh.

# chroot_enter ROOT: mount /proc, /sys, /dev and a resolver so apt and pip work inside ROOT;
# undone by chroot_leave (also on exit, through the trap).
chroot_enter() {
  local root="$1" mountpoint
  for mountpoint in proc sys dev dev/pts; do
    if mountpoint -q "$root/$mountpoint"; then
      echo "chroot_enter: $root/$mountpoint is already mounted (an interrupted build?);" \
        "unmount it first" >&2
      return 1
    fi
  done
  CHROOT_ROOT="$root"
  mount -t proc proc "$root/proc"
  mount -t sysfs sysfs "$root/sys"
  mount --bind /dev "$root/dev"
  mount --bind /dev/pts "$root/dev/pts"
  # Name resolution for apt/pip while building; the image's own resolv.conf is restored after.
  if [ -e "$root/etc/resolv.conf" ] || [ -L "$root/etc/resolv.conf" ]; then
    mv "$root/etc/resolv.conf" "$root/etc/resolv.conf.image"
  fi
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # Daemons must not start inside the build chroot.
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  trap chroot_leave EXIT
}

chroot_leave() {
  local root="${CHROOT_ROOT:-}"
  [ -n "$root" ] || return 0
  rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
  if [ -e "$root/etc/resolv.conf.image" ] || [ -L "$root/etc/resolv.conf.image" ]; then
    mv "$root/etc/resolv.conf.image" "$root/etc/resolv.conf"
  fi
  local mountpoint
  for mountpoint in dev/pts dev sys proc; do
    mountpoint -q "$root/$mountpoint" && umount -l "$root/$mountpoint"
  done
  CHROOT_ROOT=""
}

# in_chroot CMD...: run a command inside the entered root with a clean environment.
in_chroot() {
  chroot "$CHROOT_ROOT" /usr/bin/env -i \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    "$@"
}
