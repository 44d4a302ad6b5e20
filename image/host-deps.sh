#!/usr/bin/env bash
# Check (and, as root, install) what the image build and the image boot test need on the host.
# Usage: image/host-deps.sh [--check-only] [--arch arm64|amd64]
# Names every missing tool up front; registers the qemu-user binfmt handler for foreign arches.
set -euo pipefail

check_only=0
arch=arm64
while [ $# -gt 0 ]; do
  case "$1" in
    --check-only) check_only=1 ;;
    --arch) arch="$2"; shift ;;
    *) echo "host-deps: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# command -> Debian package providing it
declare -A tool_package=(
  [mmdebstrap]=mmdebstrap
  [arch-test]=arch-test
  [qemu-aarch64-static]=qemu-user-static
  [qemu-system-aarch64]=qemu-system-arm
  [mkfs.vfat]=dosfstools
  [mcopy]=mtools
  [mkfs.ext4]=e2fsprogs
  [sfdisk]=fdisk
  [xz]=xz-utils
  [sha256sum]=coreutils
  [python3]=python3
  [curl]=curl
  [gpg]=gpg
  [systemd-analyze]=systemd
)
# packages without a tool to probe
extra_packages=(debian-archive-keyring ca-certificates)

missing=()
for tool in "${!tool_package[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("${tool_package[$tool]}")
done
for pkg in "${extra_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sed '/^$/d' | sort -u)

if [ ${#missing[@]} -gt 0 ]; then
  echo "host-deps: missing Debian packages: ${missing[*]}" >&2
  if [ "$check_only" -eq 1 ] || [ "$(id -u)" -ne 0 ]; then
    echo "host-deps: install them with: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# binfmt: a foreign-arch chroot needs the qemu-user handler registered with the kernel.
host_arch="$(dpkg --print-architecture)"
if [ "$arch" != "$host_arch" ]; then
  qemu_name=aarch64
  [ "$arch" = arm64 ] || { echo "host-deps: unsupported foreign arch $arch" >&2; exit 2; }
  binfmt_dir=/proc/sys/fs/binfmt_misc
  if [ ! -e "$binfmt_dir/register" ]; then
    mount -t binfmt_misc binfmt_misc "$binfmt_dir" 2>/dev/null || {
      echo "host-deps: cannot mount $binfmt_dir (binfmt_misc); foreign-arch build impossible" >&2
      exit 1
    }
  fi
  if [ ! -e "$binfmt_dir/qemu-$qemu_name" ]; then
    conf="/usr/lib/binfmt.d/qemu-$qemu_name.conf"
    [ -r "$conf" ] || { echo "host-deps: $conf missing (qemu-user-static)" >&2; exit 1; }
    # The conf line is exactly the register format; write it directly (no systemd-binfmt needed).
    grep -v '^#' "$conf" | sed '/^$/d' > "$binfmt_dir/register"
  fi
  [ "$(head -n1 "$binfmt_dir/qemu-$qemu_name")" = enabled ] || {
    echo "host-deps: binfmt handler qemu-$qemu_name is not enabled" >&2
    exit 1
  }
fi
echo "host-deps: ok (arch $arch)"
