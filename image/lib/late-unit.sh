#!/usr/bin/env bash
# late-unit.sh VENDOR_UNIT TARGET...: print VENDOR_UNIT edited so that it is no longer ordered
# before, nor wanted by, the TARGETs, and is wanted by multi-user.target instead. The overlay
# stage installs the result in /etc/systemd/system (which takes precedence over the vendor's).
# Fails when the unit has no [Install] WantedBy= to move.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: late-unit.sh VENDOR_UNIT TARGET..." >&2
  exit 2
fi
vendor="$1"
shift
[ -f "$vendor" ] || { echo "late-unit: no such unit file: $vendor" >&2; exit 1; }

edited="$(awk -v drop="$*" '
  BEGIN { split(drop, names, " "); for (i in names) dropped[names[i]] = 1 }
  /^\[Install\]/ { install = 1 }
  /^(Before|WantedBy)=/ {
    key = substr($0, 1, index($0, "="))
    n = split(substr($0, length(key) + 1), words, " ")
    kept = ""
    for (i = 1; i <= n; i++) if (!(words[i] in dropped)) kept = kept (kept == "" ? "" : " ") words[i]
    if (key == "WantedBy=") {
      if (kept !~ /(^| )multi-user\.target( |$)/) kept = kept (kept == "" ? "" : " ") "multi-user.target"
      wanted = 1
    }
    if (kept != "") print key kept
    next
  }
  { print }
  END { if (!install || !wanted) exit 3 }' "$vendor")" || {
  echo "late-unit: $vendor has no [Install] WantedBy= to move" >&2
  exit 1
}
printf '%s\n' "$edited"
