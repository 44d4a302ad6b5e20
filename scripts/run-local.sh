#!/usr/bin/env bash
# Run OTP Broker locally on emulated modems (real pseudo-terminals), one per profile name
# given as the first argument (default: generic,generic).
# State goes to .run/ in the repository; Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin/otp-broker
run_dir=.run
mkdir -p "$run_dir/data" "$run_dir/links"

# One modem per profile name (comma-separated), e.g. quectel-ec25,huawei-e3131.
profiles=${1:-generic,generic}
IFS=, read -r -a names <<<"$profiles"
count=${#names[@]}
"$bin" modem-sim --profile "$profiles" --count "$count" --seed 1 --link-dir "$run_dir/links" \
  --deliveries "$run_dir/deliveries.jsonl" >"$run_dir/modems.txt" &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 50); do
  [ "$(wc -l <"$run_dir/modems.txt")" -ge "$count" ] && break
  kill -0 "$sim_pid" 2>/dev/null || { echo "modem-sim did not start" >&2; exit 2; }
  sleep 0.1
done
echo "emulated modems (pty imei imsi msisdn):"
cat "$run_dir/modems.txt"
echo "messages the emulated handsets receive are appended to $run_dir/deliveries.jsonl"

modem_args=()
while read -r _pty imei _imsi _msisdn; do
  modem_args+=(--modem "$run_dir/links/$imei")
done <"$run_dir/modems.txt"

if ! "$bin" --data-dir "$run_dir/data" api-user list --json | grep -q '"username"'; then
  password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
  printf '%s\n' "$password" | "$bin" --data-dir "$run_dir/data" api-user add dev --password-stdin >/dev/null
  echo "created API user 'dev' with password: $password (shown once; stored only as a hash)"
fi
echo "browser admin: http://127.0.0.1:8888 (first-run setup code: $("$bin" --data-dir "$run_dir/data" setup-code))"
echo "try: curl -u dev:PASSWORD -d '{\"command\":\"send-sms\",\"data\":{\"msisdn\":\"08126666666\",\"message\":\"OTP 1234\"}}' http://127.0.0.1:8888/api/sms"
"$bin" --data-dir "$run_dir/data" serve --host 127.0.0.1 --http-port 8888 "${modem_args[@]}"
