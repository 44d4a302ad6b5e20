#!/usr/bin/env bash
# Build the flashable OTP Broker image: dist/otp-broker-<version>-<arch>.img.xz (+ .sha256).
#
# Usage (as root on Debian bookworm):
#   ./build.sh [--base debian|raspios] [--from STAGE] [--until STAGE] [--cache DIR] [--out DIR]
#              [--stages DIR] [--skip-host-deps]   (the last two: for tests of the stage runner)
#
# Stages run in order from image/stages/ (base, app, overlay, finalise, export). Each stage is
# skipped when the hash of its inputs (its own directory, the files it names in `inputs`, the
# options it names in its `# env:` line, and the previous stage's hash) is unchanged.
# Logs: <cache>/logs/<stage>.log. See docs/image.md.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stages_dir="$repo_dir/image/stages"

export IMAGE_BASE=debian
export IMAGE_ARCH=arm64
export IMAGE_SUITE=bookworm
export DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
export RASPIOS_MIRROR="${RASPIOS_MIRROR:-http://archive.raspberrypi.com/debian}"
cache_dir="$repo_dir/build/cache"
out_dir="$repo_dir/dist"
from_stage=""
until_stage=""
check_host=1

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --base) IMAGE_BASE="$2"; shift ;;
    --from) from_stage="$2"; shift ;;
    --until) until_stage="$2"; shift ;;
    --cache) cache_dir="$(realpath -m "$2")"; shift ;;
    --out) out_dir="$(realpath -m "$2")"; shift ;;
    --stages) stages_dir="$(realpath -m "$2")"; shift ;;
    --skip-host-deps) check_host=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
case "$IMAGE_BASE" in
  debian|raspios) ;;
  *) echo "build.sh: --base must be debian or raspios, not '$IMAGE_BASE'" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
  echo "build.sh: must run as root (mmdebstrap, chroot and file ownership in the image)" >&2
  exit 1
fi

if [ "$check_host" -eq 1 ]; then
  "$repo_dir/image/host-deps.sh" --arch "$IMAGE_ARCH"
fi

IMAGE_VERSION="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$repo_dir/app/otpbroker/__init__.py")"
[ -n "$IMAGE_VERSION" ] || { echo "build.sh: no __version__ in app/otpbroker/__init__.py" >&2; exit 1; }
export IMAGE_VERSION REPO_DIR="$repo_dir"
# Cache separately per base so switching --base never throws the other one away.
cache_dir="$cache_dir/$IMAGE_BASE-$IMAGE_ARCH"
mkdir -p "$cache_dir/logs" "$out_dir"

mapfile -t stages < <(find "$stages_dir" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
stage_name() { echo "${1#*-}"; }

# Hash of everything a stage depends on, chained to the previous stage's key.
stage_key() {
  local stage_dir="$1" previous_key="$2" path env_names name
  {
    echo "previous $previous_key"
    (cd "$stage_dir" && find . -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum)
    if [ -f "$stage_dir/inputs" ]; then
      while read -r path; do
        [ -n "$path" ] && [ "${path:0:1}" != "#" ] || continue
        [ -e "$repo_dir/$path" ] || { echo "missing input $path" >&2; return 1; }
        (cd "$repo_dir" && find "$path" -type f ! -path '*/__pycache__/*' ! -name '*.pyc' \
          -print0 | sort -z | xargs -0 -r sha256sum)
      done < "$stage_dir/inputs"
    fi
    env_names="$(sed -n 's/^# env: //p' "$stage_dir/run.sh")"
    for name in $env_names; do echo "env $name=${!name-}"; done
  } | sha256sum | cut -c1-16
}

format_seconds() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

run_stage() {
  local number="$1" stage="$2" key="$3" previous="$4"
  local name stage_dir work log started pid status now last
  name="$(stage_name "$stage")"
  stage_dir="$stages_dir/$stage"
  work="$cache_dir/$stage.new"
  log="$cache_dir/logs/$name.log"
  rm -rf --one-file-system "$work"
  mkdir -p "$work/out"
  # Rootfs stages after base start from a copy of the previous stage's tree.
  if [ -n "$previous" ] && grep -q '^# rootfs: copy' "$stage_dir/run.sh"; then
    cp -a --reflink=auto "$cache_dir/$previous/rootfs" "$work/rootfs"
  fi
  # Later stages find earlier outputs as $STAGE_OUT_<name> (exported in the main loop).
  started=$SECONDS
  echo "[$number/${#stages[@]} $name] running (key $key, log $log)"
  STAGE_DIR="$stage_dir" STAGE_ROOTFS="$work/rootfs" STAGE_OUT="$work/out" \
    PREV_ROOTFS="${previous:+$cache_dir/$previous/rootfs}" STAGE_NAME="$name" \
    nice -n "${BUILD_NICE:-10}" "$stage_dir/run.sh" > "$log" 2>&1 &
  pid=$!
  local shown=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.5
    now=$((SECONDS - started))
    if [ $((now - shown)) -ge 30 ]; then
      shown=$now
      last="$(tail -n 1 "$log" 2>/dev/null | tr -d '\r' | cut -c1-90)"
      echo "[$number/${#stages[@]} $name] $(format_seconds "$now") … $last"
    fi
  done
  status=0
  wait "$pid" || status=$?
  now=$((SECONDS - started))
  if [ "$status" -ne 0 ]; then
    echo "[$number/${#stages[@]} $name] FAILED after $(format_seconds "$now") (exit $status)" >&2
    echo "--- last lines of $log ---" >&2
    tail -n 25 "$log" >&2
    echo "--- full log kept: $log; partial output: $work ---" >&2
    exit 1
  fi
  rm -rf --one-file-system "${cache_dir:?}/$stage"
  mv "$work" "$cache_dir/$stage"
  echo "$key" > "$cache_dir/$stage/key"
  echo "[$number/${#stages[@]} $name] done in $(format_seconds "$now")"
}

total_started=$SECONDS
previous_key="base:$IMAGE_BASE"
previous=""
forcing=0
number=0
for stage in "${stages[@]}"; do
  number=$((number + 1))
  name="$(stage_name "$stage")"
  [ "$name" = "$from_stage" ] && forcing=1
  key="$(stage_key "$stages_dir/$stage" "$previous_key")"
  if [ "$forcing" -eq 0 ] && [ -f "$cache_dir/$stage/key" ] \
    && [ "$(cat "$cache_dir/$stage/key")" = "$key" ]; then
    echo "[$number/${#stages[@]} $name] unchanged (key $key), cached"
  else
    run_stage "$number" "$stage" "$key" "$previous"
  fi
  previous_key="$key"
  # The next stage starts from the newest root filesystem (stages without one pass it on).
  [ -d "$cache_dir/$stage/rootfs" ] && previous="$stage"
  export "STAGE_OUT_$name=$cache_dir/$stage/out"
  last_stage="$stage"
  [ "$name" = "$until_stage" ] && break
done
if [ -n "$from_stage" ] && [ "$forcing" -eq 0 ]; then
  echo "build.sh: --from $from_stage names no stage" >&2
  exit 2
fi

# Publish the export stage's files.
export_out="$cache_dir/$last_stage/out"
if compgen -G "$export_out/*.img.xz" >/dev/null; then
  cp -f "$export_out"/*.img.xz "$export_out"/*.img.xz.sha256 "$out_dir/"
  for image in "$export_out"/*.img.xz; do
    echo "image: $out_dir/${image##*/} ($(du -m "$image" | cut -f1) MiB compressed," \
      "$(cat "$export_out/raw-size" 2>/dev/null || echo '?') MiB raw)"
  done
fi
echo "build.sh: finished in $(format_seconds $((SECONDS - total_started)))"
