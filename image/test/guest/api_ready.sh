#!/bin/bash
# Write the guest's uptime (s since power-on) when the broker's API first answers 200
# (test-only). Plain bash with /dev/tcp, so that measuring costs the booting guest almost
# no CPU (a Python poller spends about a second of emulated CPU just starting).
# Usage: api_ready.sh TIMEOUT [OUTPUT]; without OUTPUT the result goes to stdout.
set -u
timeout="${1:-300}"
output="${2:-}"

report() {
  if [ -z "$output" ]; then
    echo "$1"
  else
    echo "$1" > "$output.tmp" && mv -f "$output.tmp" "$output"
  fi
}

answers() {
  local status=""
  exec 3<> /dev/tcp/127.0.0.1/8888 || return 1
  printf 'GET /api/openapi.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  IFS= read -r -t 5 status <&3
  exec 3>&-
  [[ "$status" == HTTP/1.?" 200"* ]]
}

first="already up when first asked"
read -r start _ < /proc/uptime
while :; do
  if answers 2> /dev/null; then
    read -r now _ < /proc/uptime
    report "$now $first"
    exit 0
  fi
  first="first answer"
  read -r now _ < /proc/uptime
  if (( ${now%.*} - ${start%.*} >= timeout )); then
    report "API not ready after $timeout s"
    exit 1
  fi
  sleep 0.2
done
