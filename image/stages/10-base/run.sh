#!/usr/bin/env bash
# Stage "base": the Debian (or Raspberry Pi OS) root filesystem with kernel, firmware and the
# system packages, built by mmdebstrap (under qemu-user for arm64). The slow stage: it is cached
# by the hash of this directory and the options below.
# env: IMAGE_ARCH IMAGE_BASE IMAGE_SUITE DEBIAN_MIRROR RASPIOS_MIRROR
set -euo pipefail
: "${STAGE_ROOTFS:?}" "${STAGE_DIR:?}" "${IMAGE_ARCH:?}" "${IMAGE_BASE:?}" "${IMAGE_SUITE:?}"

package_list() {
  sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$1" | paste -sd, -
}

common=(
  --mode=root
  --arch="$IMAGE_ARCH"
  --variant=minbase
  --aptopt='APT::Install-Recommends "false"'
  --aptopt='Acquire::Retries "3"'
  # Smaller image: no manuals, no translations, documentation reduced to licences.
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/info/*'
  # Partition labels the image uses; must be known before the kernel hook writes cmdline.txt.
  --essential-hook='mkdir -p "$1/boot/firmware"'
  --customize-hook="$STAGE_DIR/customize.sh"' "$1"'
)

case "$IMAGE_BASE" in
  debian)
    mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
    mmdebstrap "${common[@]}" \
      --components=main,non-free-firmware \
      --include="$(package_list "$STAGE_DIR/packages-debian")" \
      "$IMAGE_SUITE" "$STAGE_ROOTFS" \
      "deb $mirror $IMAGE_SUITE main non-free-firmware" \
      "deb $mirror $IMAGE_SUITE-updates main non-free-firmware" \
      "deb http://deb.debian.org/debian-security $IMAGE_SUITE-security main non-free-firmware"
    ;;
  raspios)
    # Raspberry Pi OS = Debian + archive.raspberrypi.com (kernel, firmware, Pi 5 support).
    # Its signing key is fetched once and checked against the fingerprint below.
    rpi_mirror="${RASPIOS_MIRROR:-http://archive.raspberrypi.com/debian}"
    mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
    keyring="$(mktemp -d)/raspberrypi.gpg"
    curl -fsSL "$rpi_mirror/raspberrypi.gpg.key" | gpg --dearmor > "$keyring"
    fingerprint="$(gpg --show-keys --with-colons "$keyring" | awk -F: '/^fpr/ {print $10; exit}')"
    expected="CF8A1AF502A2AA2D763BAE7E82B129927FA3303E"
    if [ "$fingerprint" != "$expected" ]; then
      echo "base: Raspberry Pi archive key fingerprint $fingerprint, expected $expected" >&2
      exit 1
    fi
    mmdebstrap "${common[@]}" \
      --components=main,non-free-firmware \
      --keyring=/usr/share/keyrings/debian-archive-keyring.gpg --keyring="$keyring" \
      --setup-hook='mkdir -p "$1/etc/apt/trusted.gpg.d"' \
      --setup-hook="cp '$keyring' \"\$1/etc/apt/trusted.gpg.d/raspberrypi.gpg\"" \
      --include="$(package_list "$STAGE_DIR/packages-raspios")" \
      "$IMAGE_SUITE" "$STAGE_ROOTFS" \
      "deb $mirror $IMAGE_SUITE main non-free-firmware" \
      "deb $mirror $IMAGE_SUITE-updates main non-free-firmware" \
      "deb http://deb.debian.org/debian-security $IMAGE_SUITE-security main non-free-firmware" \
      "deb $rpi_mirror $IMAGE_SUITE main"
    ;;
  *)
    echo "base: unknown base '$IMAGE_BASE' (debian or raspios)" >&2
    exit 2
    ;;
esac
