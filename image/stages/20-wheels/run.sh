#!/usr/bin/env bash
# Stage "wheels": build every pinned requirement (app/requirements.lock) as an arm64 wheel in a
# throw-away copy of the base root filesystem that has a compiler. Some pins ship no aarch64
# wheel (netifaces is source-only), so they are compiled here; the image itself never gets a
# compiler. Output: $STAGE_OUT/wheels, used by the app stage with --no-index (plus the wheel
# package, which the app stage needs only to build the app itself and then removes).
# rootfs: none
set -euo pipefail
: "${STAGE_OUT:?}" "${PREV_ROOTFS:?}" "${REPO_DIR:?}"
# shellcheck source=../../lib/chroot.sh
source "$REPO_DIR/image/lib/chroot.sh"

builder="$(dirname "$STAGE_OUT")/builder"
rm -rf --one-file-system "$builder"
cp -a --reflink=auto "$PREV_ROOTFS" "$builder"
cleanup() { chroot_leave; rm -rf --one-file-system "$builder"; }
chroot_enter "$builder"
trap cleanup EXIT

in_chroot apt-get update -qq
in_chroot apt-get install -y -qq --no-install-recommends gcc libc6-dev python3-dev
install -m 644 "$REPO_DIR/app/requirements.lock" "$builder/tmp/requirements.lock"
in_chroot python3 -m venv /tmp/wheel-venv
# pip in the builder trusts what the build host trusts (e.g. a TLS-inspecting proxy's CA) and
# uses the host's index and proxy settings; none of it reaches the image.
cp /etc/ssl/certs/ca-certificates.crt "$builder/tmp/host-ca.crt"
pip_env=(PIP_CERT=/tmp/host-ca.crt)
for name in PIP_INDEX_URL PIP_EXTRA_INDEX_URL http_proxy https_proxy no_proxy; do
  [ -z "${!name:-}" ] || pip_env+=("$name=${!name}")
done
# Source-only pins without pyproject.toml (netifaces) are built by "setup.py bdist_wheel",
# which needs the wheel package in the build venv.
in_chroot env "${pip_env[@]}" /tmp/wheel-venv/bin/pip install --disable-pip-version-check \
  --no-cache-dir --progress-bar off wheel==0.45.1
in_chroot env "${pip_env[@]}" /tmp/wheel-venv/bin/pip wheel --disable-pip-version-check \
  --no-cache-dir --progress-bar off -r /tmp/requirements.lock wheel==0.45.1 -w /tmp/wheels
mkdir -p "$STAGE_OUT/wheels"
cp "$builder"/tmp/wheels/*.whl "$STAGE_OUT/wheels/"
ls -l "$STAGE_OUT/wheels"
