#!/usr/bin/env bash
# make image-test: build the image if needed (cached stages are skipped), then boot it under
# qemu-system-aarch64 -M virt (TCG) and run the end-to-end checks in image/test/.
set -euo pipefail
cd "$(dirname "$0")/.."
./build.sh
cache=build/cache/debian-arm64
# Station tools for the access-point check (test-only, never in the image).
image/test/build-tools.sh "$cache" "$cache/test-tools"
mkdir -p test-output
OTPB_TEST_TOOLS="$PWD/$cache/test-tools" \
  .venv/bin/python -m pytest -c image/test/pytest.ini image/test -s "$@"
