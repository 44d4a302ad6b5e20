#!/usr/bin/env bash
# Install the Debian packages the development and test commands need, when they are missing.
set -euo pipefail

packages=(python3 python3-venv python3-dev gcc openssl rabbitmq-server mosquitto chromium fonts-dejavu-core dnsmasq-base nftables ppp mtools dosfstools sudo systemd iproute2 hostapd usb-modeswitch gammu haproxy
  tcpdump php-cli nodejs  # the sealed-message tests: loopback capture, PHP and Node senders
  lintian mmdebstrap)  # the Debian package: its check, and the clean root its tests install it in
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Debian packages npm apart from nodejs (other builds of nodejs bring their own npm)
command -v npm >/dev/null || missing+=(npm)
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
