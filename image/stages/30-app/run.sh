#!/usr/bin/env bash
# Stage "app": the service account and data directory, and the app in a venv at
# /opt/otp-broker/venv, installed from the wheels stage (same pins as the tests: --no-index, so
# nothing unpinned can slip in) plus the app itself from app/.
# rootfs: copy
set -euo pipefail
: "${STAGE_ROOTFS:?}" "${STAGE_OUT:?}" "${REPO_DIR:?}" "${STAGE_OUT_wheels:?}"
# shellcheck source=../../lib/chroot.sh
source "$REPO_DIR/image/lib/chroot.sh"
root="$STAGE_ROOTFS"
venv=/opt/otp-broker/venv
chroot_enter "$root"

# Run-time tools the app calls (see ./packages); apt lists are removed again in finalise.
mapfile -t app_packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$STAGE_DIR/packages")
if [ ${#app_packages[@]} -gt 0 ]; then
  in_chroot apt-get update -qq
  in_chroot apt-get install -y -qq --no-install-recommends "${app_packages[@]}"
  in_chroot apt-get clean
fi

# Service account: modems are root:dialout; the data directory belongs to it alone.
if ! in_chroot getent passwd otpbroker >/dev/null; then
  in_chroot useradd --system --user-group --groups dialout \
    --home-dir /var/lib/otp-broker --no-create-home --shell /usr/sbin/nologin otpbroker
fi
install -d -m 0750 "$root/var/lib/otp-broker"
in_chroot chown otpbroker:otpbroker /var/lib/otp-broker

# The app's source without caches or build leftovers.
src="$root/tmp/otp-broker-src"
rm -rf "$src"
mkdir -p "$src"
(cd "$REPO_DIR/app" && tar --exclude=__pycache__ --exclude='*.pyc' --exclude='*.egg-info' \
  --exclude=build -cf - pyproject.toml otpbroker requirements.lock) | tar -xf - -C "$src"
mkdir -p "$root/tmp/wheels"
cp "$STAGE_OUT_wheels"/wheels/*.whl "$root/tmp/wheels/"

rm -rf "$root$venv"
in_chroot python3 -m venv "$venv"
pip=("$venv/bin/pip" --disable-pip-version-check --no-cache-dir)
in_chroot "${pip[@]}" install --progress-bar off --no-index --find-links /tmp/wheels \
  -r /tmp/otp-broker-src/requirements.lock
# The app itself, built with the venv's own setuptools + wheel (no network, no isolation).
in_chroot "${pip[@]}" install --progress-bar off --no-index --find-links /tmp/wheels wheel
in_chroot "${pip[@]}" install --progress-bar off --no-index --no-deps --no-build-isolation \
  /tmp/otp-broker-src
in_chroot "${pip[@]}" check
# pip, setuptools and wheel are not needed at run time.
in_chroot "$venv/bin/python" -m pip uninstall -y -q wheel setuptools pip
ln -sf "$venv/bin/otp-broker" "$root/usr/local/bin/otp-broker"
in_chroot /usr/local/bin/otp-broker --help > /dev/null
rm -rf "$src" "$root/tmp/wheels"
in_chroot "$venv/bin/python" -c 'import otpbroker, netifaces, serial, pyudev; print("app", otpbroker.__version__)'
du -sh "$root$venv"
