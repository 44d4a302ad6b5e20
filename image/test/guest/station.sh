#!/bin/sh
# Test-only, runs in the QEMU guest: join the device's access point from a Wi-Fi station in a
# network namespace (second mac80211_hwsim radio), get a DHCP lease, fetch the API.
# Usage: station.sh SSID PASSWORD. The station tools come from the test disk's tree (chroot).
set -eu
ssid="$1"
password="$2"
tools=/run/otpb-test
ns=otpbsta

for dir in proc dev run tmp; do mountpoint -q "$tools/$dir" && umount -l "$tools/$dir"; done
mount -t proc proc "$tools/proc"
mount --rbind /dev "$tools/dev"
mount -t tmpfs tmpfs "$tools/run"
mount -t tmpfs tmpfs "$tools/tmp"
mkdir -p "$tools/run/wpa_supplicant"
# A wpa_supplicant configuration (the password stays in this tmpfs).
cat > "$tools/tmp/wpa.conf" <<CONF
ctrl_interface=/run/wpa_supplicant
network={
  ssid="$ssid"
  psk="$password"
  key_mgmt=WPA-PSK
}
CONF

station_phy="$(cat /run/otpb-station-phy)"
ip netns exec "$ns" sh -c "
  set -e
  mount -t sysfs sysfs '$tools/sys'
  ip link set lo up
  ip link set wlan1 up 2>/dev/null || true
  chroot '$tools' wpa_supplicant -B -D nl80211 -i wlan1 -c /tmp/wpa.conf -P /run/wpa.pid
  for i in \$(seq 1 60); do
    chroot '$tools' wpa_cli -i wlan1 status 2>/dev/null | grep -q '^wpa_state=COMPLETED' && break
    sleep 1
  done
  chroot '$tools' wpa_cli -i wlan1 status | sed -n 's/^\(wpa_state\|ssid\|key_mgmt\)=/station \1=/p'
  chroot '$tools' udhcpc -i wlan1 -n -q -t 20 -T 2 -s /etc/udhcpc/default.script >/dev/null 2>&1
  ip -4 -o addr show wlan1 | awk '{print \"lease \" \$4}'
  python3 -c 'import urllib.request as u; r=u.urlopen(\"http://192.168.0.11:8888/api/openapi.json\", timeout=10); print(\"http\", r.status)'
"
echo "phy $station_phy"
