"""Several devices on one MQTT shared subscription: real ``serve`` processes with two
emulated modems each, members of one ``$share`` group on a Mosquitto of the test's own (its
own free port and a persistence directory: the machine's shared Mosquitto is not touched).

One device is killed with SIGKILL mid-stream and started again (same client id, so its
persistent session with what it held comes back): with the shared ledger nothing is lost
and nothing is sent twice; without it the duplicates are measured and printed. Mosquitto
itself stopped and started mid-stream (its database saved on the way out and read back):
nothing lost, nothing sent twice.
``OTPB_FLEET_MESSAGES`` OTPs (60 in ``make test``).
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from fleet_rig import PREFETCH, Device, Fleet, Outcome, run, stream
from mosquitto_rig import OwnMosquitto
from paho.mqtt.enums import CallbackAPIVersion
from redis_rig import RedisServer

MESSAGES = int(os.environ.get("OTPB_FLEET_MESSAGES", "60"))


class MqttFleet(Fleet):
    """``count`` devices in one share group on the Mosquitto at ``port``."""

    def __init__(self, root: Path, count: int, port: int, ledger_url: str | None) -> None:
        self.port, self.topic = port, f"otpb-fleet/{uuid.uuid4().hex[:8]}"
        self._declared = False
        self.devices = []
        for n in range(count):
            device = Device(root, f"dev-{n + 1}")
            self.devices.append(device)
            settings: dict[str, Any] = {
                "feeders.mqtt.enabled": True, "feeders.mqtt.host": "127.0.0.1",
                "feeders.mqtt.port": port, "feeders.mqtt.topic": self.topic,
                "feeders.mqtt.share_group": "fleet", "feeders.mqtt.client_id":
                f"otpb-{device.name}-{uuid.uuid4().hex[:6]}", "fleet.device_name": device.name,
            }  # fmt: skip
            if ledger_url is not None:
                settings.update({"fleet.enabled": True, "fleet.ledger_url": ledger_url})
            device.serve.configure(device.sim.ports, settings)

    def publish(self, messages: list[dict[str, Any]]) -> None:
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:6]}")
        client.connect("127.0.0.1", self.port)
        client.loop_start()
        try:
            for message in messages:
                info = client.publish(self.topic, json.dumps(message), qos=1)
                info.wait_for_publish(10)
                assert info.is_published(), "Mosquitto did not acknowledge (PUBACK) a message"
        finally:
            client.loop_stop()
            client.disconnect()

    def consumers(self) -> int:
        """Devices whose MQTT feeder is up (their ``/metrics``)."""
        return sum(_feeder_up(device.serve.url) for device in self.devices)


def _feeder_up(url: str) -> bool:
    with urllib.request.urlopen(url + "/metrics", timeout=5) as answer:
        text = answer.read().decode()
    return any(line.startswith('otpbroker_feeder_up{feeder="mqtt"') and line.endswith(" 1")
               for line in text.splitlines())  # fmt: skip


def kill_run(
    root: Path, port: int, ledger_url: str | None, midway: Callable[[], None] | None = None
) -> Outcome:
    """2 devices, ``MESSAGES`` OTPs; after a third: ``midway()`` (by default the first
    device killed with SIGKILL and started again); waits for every one (or its unknown)."""
    fleet = MqttFleet(root, 2, port, ledger_url)
    try:
        return run(fleet, stream(MESSAGES), kill_at=MESSAGES // 3, midway=midway)
    finally:
        fleet.stop()


def test_mqtt_shared_killed_member_loses_nothing_and_sends_nothing_twice_with_the_ledger(
    tmp_path: Path, own_mosquitto: OwnMosquitto, redis_server: RedisServer
) -> None:
    outcome = kill_run(tmp_path, own_mosquitto.port, redis_server.url)
    ids = [m["data"]["id"] for m in stream(MESSAGES)]
    assert outcome.duplicates() == 0
    lost = [i for i in outcome.missing(ids) if i not in outcome.unknown]
    assert lost == [] and len(outcome.missing(ids)) <= 2
    print(f"\nMQTT $share, shared ledger, 2 devices, one killed: {len(outcome.counts)} "
          f"delivered once, 0 twice, {len(outcome.missing(ids))} unknown, 0 lost")  # fmt: skip


def test_mqtt_shared_without_the_ledger_measures_the_duplicates(
    tmp_path: Path, own_mosquitto: OwnMosquitto
) -> None:
    outcome = kill_run(tmp_path, own_mosquitto.port, None)
    ids = [m["data"]["id"] for m in stream(MESSAGES)]
    lost = [i for i in outcome.missing(ids) if i not in outcome.unknown]
    assert lost == []
    print(f"\nMQTT $share, no shared ledger, 2 devices, one killed: {outcome.duplicates()} "
          f"sent twice (RabbitMQ's bound would be prefetch {PREFETCH}), 0 lost")  # fmt: skip


def test_mosquitto_stopped_and_started_mid_stream_loses_nothing(
    tmp_path: Path, own_mosquitto: OwnMosquitto, redis_server: RedisServer
) -> None:
    """Every message is acknowledged by Mosquitto before it stops; what it had queued or in
    flight for the devices is in its saved database, their sessions come back (clean start
    off, a session expiry) and the feeders subscribe again on every connection (Mosquitto
    2.0 does not save shared subscriptions): nothing lost, nothing sent twice."""

    def restart() -> None:
        own_mosquitto.stop()  # sessions and queued messages saved on the way out
        assert own_mosquitto.saved(), own_mosquitto.log.read_text(errors="replace")[-2000:]
        own_mosquitto.start()

    outcome = kill_run(tmp_path, own_mosquitto.port, redis_server.url, midway=restart)
    ids = [m["data"]["id"] for m in stream(MESSAGES)]
    assert outcome.missing(ids) == [] and outcome.duplicates() == 0
    print(f"\nMosquitto stopped and started mid-stream, 2 devices in a $share group: "
          f"{len(outcome.counts)} delivered once, 0 twice, 0 lost")  # fmt: skip
