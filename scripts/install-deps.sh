#!/usr/bin/env bash
# Install the Debian packages the development and test commands need, when they are missing.
set -euo pipefail

packages=(python3 python3-venv python3-dev gcc openssl rabbitmq-server mosquitto chromium fonts-dejavu-core dnsmasq-base nftables ppp mtools dosfstools sudo systemd iproute2 hostapd usb-modeswitch gammu haproxy)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
