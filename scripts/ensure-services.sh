#!/usr/bin/env bash
# Start the message brokers the tests talk to (RabbitMQ, Mosquitto) when they are not running.
set -euo pipefail

port_open() {
  python3 - "$1" <<'PY'
import socket, sys
with socket.socket() as sock:
    sock.settimeout(0.5)
    sys.exit(0 if sock.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

wait_port() {
  local port=$1 name=$2
  for _ in $(seq 120); do
    port_open "$port" && return 0
    sleep 0.5
  done
  echo "$name did not start listening on 127.0.0.1:$port" >&2
  return 1
}

if ! port_open 5672; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached
  wait_port 5672 RabbitMQ
fi
if ! port_open 1883; then
  echo "starting Mosquitto"
  if [ -f /etc/mosquitto/mosquitto.conf ]; then
    mosquitto -d -c /etc/mosquitto/mosquitto.conf
  else
    mosquitto -d
  fi
  wait_port 1883 Mosquitto
fi
