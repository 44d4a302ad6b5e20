"""Device alerts to webhooks: a SIM balance check on an emulated modem (a real
pseudo-terminal) under a fake clock raises and clears a sim_account alert; it reaches a real
loopback receiver as a signed ``alert`` event, only on webhooks with the ``alert`` kind, with
no number, no USSD reply and no secret in it. On a real broker, a webhook added with the
admin's form for alerts only gets the broker's own alerts (the composition root's wiring)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from waiting import wait_until

from otpbroker.domain.message_life import MessageState, StatusEvent
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.sim.balance_replies import balance_reply, with_balance
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker
from otpbroker.services.alerts import Alerts, alert_listener
from otpbroker.services.balance_watch import BalanceWatch
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.webhook_signing import verify

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
from admin_client import AdminClient
from broker_harness import running_broker

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC).timestamp()
UNTIL = (datetime.fromtimestamp(NOW, UTC).date() + timedelta(days=90)).isoformat()


class SimAccount:
    """One emulated modem whose balance a ``BalanceWatch`` checks by USSD, its alerts told
    to the webhooks' bus as the composition root wires them."""

    def __init__(self, tmp_path: Path, bus: Any, spec: str) -> None:
        self.now = NOW
        self.code, self.reply = balance_reply(spec)
        self.sim = SimModem(ModemProfile(ussd=with_balance({}, spec)),
                            link_dir=tmp_path / "m0").start()  # fmt: skip
        options = ModemOptions(prompt_timeout=2.0, result_timeout=3.0, command_timeout=2.0)
        self.worker = ModemWorker("m0", SerialSettings(port=self.sim.port), options,
                                  reconnect_delays=(0.2, 0.5, 1.0))  # fmt: skip
        self.worker.start()
        assert wait_until(lambda: self.worker.status.connected, 15), self.worker.status
        self.records = [{"id": "m0", "name": "SIM +6281234567890", "balance_ussd": self.code,
                         "balance_rule": "telkomsel", "balance_interval_hours": 24,
                         "balance_min": 5000, "balance_hold": True}]  # fmt: skip
        self.alerts = Alerts(clock=lambda: self.now)
        self.alerts.subscribe(alert_listener(bus.publish_alert, clock=lambda: self.now))
        self.watch = BalanceWatch(self.ussd, lambda: self.records, self.alerts,
                                  ModemHealth(self.alerts), clock=lambda: self.now,
                                  jitter=lambda: 0.5)  # fmt: skip

    def ussd(self, modem_id: str, code: str) -> str:
        return str(self.worker.submit_ussd(code).result(30))

    def top_up(self, spec: str) -> None:
        code, reply = balance_reply(spec)
        self.sim.dialogue.profile.ussd[code] = reply

    def stop(self) -> None:
        self.worker.stop()
        self.sim.stop()


@pytest.fixture
def account(tmp_path: Path, rig) -> Iterator[SimAccount]:
    made = SimAccount(tmp_path, rig.bus, f"telkomsel:3000:{UNTIL}")
    yield made
    made.stop()


def _alerts(receiver, count: int) -> list:
    def found() -> list:
        return [got for got in receiver.received if got.event.get("type") == "alert"]

    assert wait_until(lambda: len(found()) >= count, 15), [g.event for g in receiver.received]
    return found()


def test_low_credit_alert_and_its_clearing_reach_alert_webhooks_signed(rig, receivers, account):
    alerted, statuses = receivers(), receivers()
    hook = rig.add(alerted.url, events=("alert",))
    rig.add(statuses.url, events=("status", "inbound"))
    result = account.watch.check_now("m0")
    assert (result.state, result.low) == ("low", True)
    (raised,) = _alerts(alerted, 1)
    event = raised.event
    assert (event["type"], event["kind"], event["level"], event["modem"]) == (
        "alert", "sim_account", "error", "m0")  # fmt: skip
    assert "credit below minimum" in event["text"] and "Rp 3.000" in event["text"]
    assert event["event_id"] == raised.event_id and event["at"] == round(NOW, 3)
    stamp = raised.headers["x-otpb-timestamp"]
    assert verify(hook["secret"], stamp, raised.body, raised.headers["x-otpb-signature"],
                  time.time())  # fmt: skip

    account.top_up(f"telkomsel:25000:{UNTIL}")
    account.now += 24 * 3600 * 1.06
    assert account.watch.tick() == ["m0"]
    assert account.alerts.active() == []
    _, cleared = _alerts(alerted, 2)
    assert (cleared.event["level"], cleared.event["key"]) == ("cleared", event["key"])
    assert cleared.event_id != raised.event_id
    assert verify(hook["secret"], cleared.headers["x-otpb-timestamp"], cleared.body,
                  cleared.headers["x-otpb-signature"], time.time())  # fmt: skip

    # The status-only webhook works, and got its status event and no alert
    rig.bus.publish_status(StatusEvent("al-1", MessageState.SENT, "rest", user="app"))
    assert wait_until(lambda: statuses.received, 15)
    assert [got.event["type"] for got in statuses.received] == ["status"]
    assert len(alerted.received) == 2


def test_no_number_reply_or_secret_in_an_alert_body(rig, receivers, account):
    alerted = receivers()
    hook = rig.add(alerted.url, events=("status", "alert"))
    account.watch.check_now("m0")
    account.alerts.raise_alert("dead:m0", "dead", "Modem +6281234567890 dead",
                               "SIM 081234567890 does not answer", advice="Call 081234567890",
                               modem_id="m0")  # fmt: skip
    bodies = [got.body.decode() for got in _alerts(alerted, 2)]
    dead = json.loads(bodies[1])
    assert dead["title"].endswith("90 dead") and dead["level"] == "error"
    for body in bodies:
        assert "1234567890" not in body and "234567890" not in body
        assert hook["secret"] not in body and "Call" not in body  # the advice stays home
        assert account.reply.text not in body and "mail" not in json.loads(body)


@pytest.fixture
def harness(tmp_path: Path):
    yield from running_broker(tmp_path / "data", with_user=True)


def test_a_webhook_added_for_alerts_gets_the_brokers_own_alerts(harness, receivers):
    receiver = receivers()
    admin = AdminClient(harness.base)
    admin.setup(harness.code)
    form = {"owner": "app", "url": receiver.url, "event_alert": "on", "active": "on",
            "allow_private_address": "on"}  # fmt: skip
    status, _, _ = admin.post("/webhooks", form)
    assert status in (200, 303)
    harness.broker.store.refresh()
    [record] = harness.broker.store.list("webhooks")
    assert record["events"] == ["alert"]
    harness.broker.alerts.raise_alert("dead:m9", "dead", "Modem m9 dead", "no answer",
                                      modem_id="m9")  # fmt: skip
    harness.broker.alerts.clear("dead:m9")
    raised, cleared = _alerts(receiver, 2)
    assert [raised.event["level"], cleared.event["level"]] == ["error", "cleared"]
    assert raised.event["kind"] == cleared.event["kind"] == "dead"
    assert [got.event["type"] for got in receiver.received] == ["alert", "alert"]
