#!/bin/sh
# make-venv.sh VENV SOURCE [WHEELS]: the app's venv at its final path VENV (run where that path
# is writable: in the image's chroot, or in a private mount namespace on the build host), from
# SOURCE/requirements.lock and the app in SOURCE. With WHEELS: --no-index from that folder only
# (the image build), otherwise from the configured index or the pip cache.
# No byte-code (the package's postinst compiles it); no pip, setuptools or wheel at the end.
set -eu
venv="$1"
source="$2"
wheels="${3:-}"
set -- --disable-pip-version-check --progress-bar off --no-compile --no-cache-dir
[ -z "$wheels" ] || set -- "$@" --no-index --find-links "$wheels"

rm -rf "$venv"
/usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install "$@" -r "$source/requirements.lock"
# The app itself, built with the venv's own setuptools + wheel (no isolation, no network).
"$venv/bin/pip" install "$@" wheel==0.45.1
"$venv/bin/pip" install "$@" --no-deps --no-build-isolation "$source"
"$venv/bin/pip" check
"$venv/bin/python" -m pip uninstall -y -q wheel setuptools pip
"$venv/bin/python" -B -c 'import otpbroker, netifaces, serial, pyudev; print("app", otpbroker.__version__)'
find "$venv" -depth -type d -name __pycache__ -exec rm -rf {} +
