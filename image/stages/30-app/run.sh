#!/usr/bin/env bash
# Stage "app": the app from its Debian package, the one `make deb ARCH=arm64` publishes, so the
# image and the package cannot drift. scripts/build-deb.sh builds the venv /opt/otp-broker/venv
# in a throw-away copy of the base from the wheels stage (--no-index: only the pins of
# app/requirements.lock can be installed); apt installs the .deb and its Depends (openssl,
# haproxy, ...). OTP_BROKER_IMAGE_BUILD=1: the package makes the account, the data directory and
# enables its units, but leaves the device's secrets to the image's first boot.
# Output: $STAGE_OUT/otp-broker_<version>_<arch>.deb.
# env: IMAGE_ARCH
# rootfs: copy
set -euo pipefail
: "${STAGE_ROOTFS:?}" "${STAGE_OUT:?}" "${REPO_DIR:?}" "${STAGE_OUT_wheels:?}" "${PREV_ROOTFS:?}"
: "${IMAGE_ARCH:?}"
# shellcheck source=../../lib/chroot.sh
source "$REPO_DIR/image/lib/chroot.sh"
root="$STAGE_ROOTFS"
work="$(dirname "$STAGE_OUT")/deb-work"

"$REPO_DIR/scripts/build-deb.sh" --arch "$IMAGE_ARCH" --wheels "$STAGE_OUT_wheels/wheels" \
  --builder-root "$PREV_ROOTFS" --work "$work" --out "$STAGE_OUT"
rm -rf --one-file-system "$work"
deb="$(cd "$STAGE_OUT" && ls otp-broker_*_"$IMAGE_ARCH".deb)"

chroot_enter "$root"
cp "$STAGE_OUT/$deb" "$root/tmp/$deb"
# apt lists are removed again in finalise.
in_chroot apt-get update -qq
in_chroot env OTP_BROKER_IMAGE_BUILD=1 apt-get install -y -qq --no-install-recommends "/tmp/$deb"
in_chroot apt-get clean
rm -f "$root/tmp/$deb"
in_chroot otp-broker --help > /dev/null
in_chroot /opt/otp-broker/venv/bin/python -c 'import otpbroker, netifaces, serial, pyudev; print("app", otpbroker.__version__)'
du -sh "$root/opt/otp-broker/venv"
