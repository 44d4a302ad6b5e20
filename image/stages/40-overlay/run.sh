#!/usr/bin/env bash
# Stage "overlay": copy rootfs-overlay/ (what only the image has: the rest of the first boot, the
# factory Ethernet and resolver settings; the app's own units, udev rules and helper come with
# its package in 30-app) into the image, fix modes and owners (./permissions), enable or
# disable units (./units), and check what can be checked offline (units).
# rootfs: copy
set -euo pipefail
: "${STAGE_ROOTFS:?}" "${STAGE_DIR:?}" "${REPO_DIR:?}"
root="$STAGE_ROOTFS"
overlay="$REPO_DIR/rootfs-overlay"

# Files only (no directory metadata from the checkout), owned by root.
(cd "$overlay" && find . \( -name __pycache__ -o -name '*.pyc' \) -prune -o -print0 \
  | tar --null --no-recursion --owner=0 --group=0 -cf - -T -) | tar -xpf - -C "$root" --no-overwrite-dir
echo "copied $(cd "$overlay" && find . -type f | wc -l) files from rootfs-overlay/"

sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$STAGE_DIR/permissions" | while read -r pattern mode owner; do
  for path in "$root"$pattern; do
    [ -e "$path" ] || continue
    chmod "$mode" "$path"
    chown "$owner" "$path"
  done
done

# Units moved out of the early boot (./late-units): an edited copy of the vendor unit in
# /etc/systemd/system (which takes precedence), enabled again by ./units below.
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$STAGE_DIR/late-units" | while read -r unit targets; do
  [ -f "$root/lib/systemd/system/$unit" ] || { echo "overlay: no $unit in the image" >&2; exit 1; }
  systemctl --root="$root" --quiet disable "$unit"
  # shellcheck disable=SC2086 # one word per target
  "$REPO_DIR/image/lib/late-unit.sh" "$root/lib/systemd/system/$unit" $targets \
    > "$root/etc/systemd/system/$unit"
  echo "late $unit (no longer before: $targets)"
done

sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$STAGE_DIR/units" | while read -r action unit; do
  systemctl --root="$root" --quiet "$action" "$unit"
  echo "$action $unit"
done

# Offline check of our own units (the package's and the image's) against the image's binaries.
# (templates such as otpb-reset-stick@.service are checked through an instance name)
mapfile -t own_units < <(cd "$root" && ls -1 lib/systemd/system/otp-broker*.service \
  lib/systemd/system/otpb*.service lib/systemd/system/otpb*.socket \
  etc/systemd/system/otp-broker*.service 2>/dev/null \
  | sed -e 's#^.*/##' -e 's/@\.service$/@check.service/' || true)
if [ ${#own_units[@]} -gt 0 ]; then
  systemd-analyze verify --root="$root" "${own_units[@]}" \
    || { echo "overlay: systemd-analyze verify failed for: ${own_units[*]}" >&2; exit 1; }
fi
