"""The shared ledger: two devices (two SmsService instances, each with its own file ledger)
claim message ids in one real Redis (a server of the test's own).

A fake gateway stands for each device's modems: it calls ``before_send`` as the modem's
owner thread does just before ``AT+CMGS`` and counts what it sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from redis_rig import RedisServer, free_port

from otpbroker.config import schema
from otpbroker.config.send_ledger import FileSendLedger
from otpbroker.domain.fleet import DeviceBeat
from otpbroker.domain.message import Delivery, OutboundSms, SendOutcome
from otpbroker.domain.routing import ModemRoute
from otpbroker.fleet.redis_ledger import PREFIX, RedisSharedLedger
from otpbroker.services.alerts import Alerts
from otpbroker.services.command_replies import domain_reply
from otpbroker.services.replies import Code
from otpbroker.services.shared_ledger import ALERT_KEY, ClaimedElsewhereError, SharedClaims
from otpbroker.services.sms import SmsRequest, SmsService


class Encoded:
    parts = 1


class Gateway:
    """One modem ``a``: each send calls ``before_send``, then answers ``outcome``."""

    def __init__(self, outcome: SendOutcome = SendOutcome.SENT) -> None:
        self.outcome = outcome
        self.sent: list[str] = []

    def encode(self, sms: OutboundSms, max_parts: int) -> Encoded:
        self.last = sms.message_id or ""
        return Encoded()

    def send(self, modem_ids: Sequence[str], message: Any, timeout: float, *,
             before_send: Callable[[], None] | None = None, **terms: Any) -> Delivery:  # fmt: skip
        if before_send is not None:
            before_send()
        self.sent.append(self.last)
        code = None if self.outcome is SendOutcome.SENT else "CMS500"
        return Delivery(self.outcome, "a", 1, 1, code)

    def routes(self) -> list[ModemRoute]:
        return [ModemRoute("a", default=True)]


class Settings:
    def __init__(self, url: str, device: str) -> None:
        self.values: dict[str, Any] = {
            "device.country_code": "62", "sms.max_attempts": 1, "fleet.enabled": True,
            "fleet.device_name": device, "fleet.ledger_url": url,
        }  # fmt: skip

    def get(self, key: str) -> Any:
        return self.values[key] if key in self.values else schema.default(key)


class NoBlocks:
    def is_blocked(self, msisdn: str) -> bool:
        return False


class Device:
    """One device: its own file ledger and modems, the fleet's shared ledger."""

    def __init__(self, tmp: Path, url: str, name: str, outcome: SendOutcome = SendOutcome.SENT):
        self.settings = Settings(url, name)
        self.alerts = Alerts()
        self.shared = SharedClaims(self.settings, RedisSharedLedger.at, self.alerts)
        self.gateway = Gateway(outcome)
        self.ledger = FileSendLedger(tmp / f"{name}-ledger.log")
        self.service = SmsService(self.gateway, NoBlocks(), self.settings,  # type: ignore[arg-type]
                                  ledger=self.ledger, shared=self.shared)  # fmt: skip

    def submit(self, message_id: str) -> Delivery:
        return self.service.submit(SmsRequest("08126666666", "Kode 482913", message_id))

    def close(self) -> None:
        self.shared.close()
        self.ledger.close()


@pytest.fixture
def devices(tmp_path: Path, redis_server: RedisServer):
    made: list[Device] = []

    def make(name: str, outcome: SendOutcome = SendOutcome.SENT, url: str = "") -> Device:
        device = Device(tmp_path, url or redis_server.url, name, outcome)
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()


def test_a_claim_is_granted_once_and_only_its_holder_changes_it(redis_server: RedisServer):
    ledger = RedisSharedLedger.at(redis_server.url)
    try:
        ledger.beat(DeviceBeat("pi-1", 1.0, (), "boot-a"), 60)  # pi-1 lives
        assert ledger.claim("sms:x", "pi-1", "boot-a", 60) is None
        held = ledger.claim("sms:x", "pi-2", "boot-b", 60)
        assert held is not None and (held.device, held.state, held.went_out) == (
            "pi-1", "claimed", False)  # fmt: skip
        assert ledger.claim("sms:x", "pi-1", "boot-c", 60) is None  # its own, after a restart
        ledger.release("sms:x", "pi-2")  # not the holder: nothing changes
        ledger.record("sms:x", "pi-2", "sent", 60)
        assert ledger.lookup("sms:x").device == "pi-1"  # type: ignore[union-attr]
        ledger.record("sms:x", "pi-1", "sending", 60)
        held = ledger.claim("sms:x", "pi-1", "boot-c", 60)  # went out: never claimed again
        assert held is not None and held.went_out
        ledger.release("sms:x", "pi-1")
        assert ledger.lookup("sms:x") is None
    finally:
        ledger.close()


def test_a_message_sent_by_one_device_is_a_duplicate_on_the_other(devices, redis_server):
    one, two = devices("pi-1"), devices("pi-2")
    assert one.submit("m1").outcome is SendOutcome.SENT
    again = two.submit("m1")  # the broker redelivered it to the other device
    assert (again.outcome, again.duplicate) == (SendOutcome.SENT, True)
    assert (one.gateway.sent, two.gateway.sent) == (["m1"], [])
    held = two.shared.holder("sms:m1")
    assert held is not None and (held.device, held.state) == ("pi-1", "sent")
    # Keys hold ids, device names, states and times only: never a text or a number.
    ledger = RedisSharedLedger.at(redis_server.url)
    try:
        raw = ledger._client.get(PREFIX + "sms:m1").decode()
    finally:
        ledger.close()
    assert sorted(json.loads(raw)) == ["d", "s", "t"]
    assert "Kode" not in raw and "8126666666" not in raw


def test_a_claim_not_sent_yet_makes_the_other_device_try_later(devices, redis_server):
    one, two = devices("pi-1"), devices("pi-2")
    ledger = RedisSharedLedger.at(redis_server.url)
    try:
        ledger.beat(DeviceBeat("pi-1", 1.0, (), one.shared.boot), 60)  # pi-1 lives
        ledger.claim("sms:m2", "pi-1", one.shared.boot, 300)  # taken, not at AT+CMGS yet
    finally:
        ledger.close()
    with pytest.raises(ClaimedElsewhereError) as refused:
        two.submit("m2")
    reply = domain_reply("send-sms", refused.value)
    assert reply.code is Code.CLAIMED_ELSEWHERE and reply.data == {"retry_after": 5}
    assert two.gateway.sent == []
    one.shared.release("sms:m2")  # pi-1 could not send it: the claim ends
    assert two.submit("m2").outcome is SendOutcome.SENT  # the same id goes through now
    assert two.gateway.sent == ["m2"]


def test_a_definite_failure_gives_the_id_back_to_the_fleet(devices):
    one, two = devices("pi-1", SendOutcome.FAILED), devices("pi-2")
    assert one.submit("m3").outcome is SendOutcome.FAILED
    assert one.shared.holder("sms:m3") is None
    assert two.submit("m3").outcome is SendOutcome.SENT


def test_an_unreachable_store_is_shown_and_alerted_once_and_sending_goes_on(devices, redis_server):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    one = devices("pi-1", url=dead)
    raised: list[str] = []
    one.alerts.subscribe(lambda event, alert: raised.append(f"{event} {alert.kind}"))
    assert one.submit("m4").outcome is SendOutcome.SENT  # the local ledger guards it
    assert one.submit("m5").outcome is SendOutcome.SENT
    assert one.gateway.sent == ["m4", "m5"]
    state = one.shared.state()
    assert (state.enabled, state.reachable, state.device) == (True, False, "pi-1")
    assert "unreachable" in state.error and "Kode" not in state.error
    assert raised == ["raised shared_ledger"]  # once, not per message
    assert one.alerts.counts()["shared_ledger"] == 1  # what /metrics shows
    one.settings.values["fleet.ledger_url"] = redis_server.url  # the store is back
    assert one.submit("m6").outcome is SendOutcome.SENT
    assert one.shared.state().reachable and one.alerts.get(ALERT_KEY) is None
    assert raised == ["raised shared_ledger", "cleared shared_ledger"]


def test_the_store_stopping_and_coming_back_mid_stream(devices, redis_server):
    one = devices("pi-1")
    assert one.submit("m7").outcome is SendOutcome.SENT
    redis_server.stop()
    assert one.submit("m8").outcome is SendOutcome.SENT
    assert not one.shared.state().reachable
    redis_server.start()
    deadline = time.monotonic() + 30  # the client reconnects on its next command
    while time.monotonic() < deadline and not one.shared.state().reachable:
        assert one.submit(f"m9-{time.monotonic_ns()}").outcome is SendOutcome.SENT
    assert one.shared.state().reachable
    assert one.shared.holder("sms:m7") is None  # nothing saved: the restarted store is empty


@pytest.mark.parametrize("beat", ["gone", "new boot"])
def test_the_claim_of_a_device_that_died_before_sending_is_taken_over(redis_server, beat):
    ledger = RedisSharedLedger.at(redis_server.url)
    try:
        ledger.claim("sms:m10", "pi-1", "boot-a", 300)  # then pi-1 was killed
        if beat == "new boot":  # it restarted: its heartbeat carries a new boot id
            ledger.beat(DeviceBeat("pi-1", 1.0, (), "boot-b"), 60)
        assert ledger.claim("sms:m10", "pi-2", "boot-x", 300) is None  # taken over at once
        held = ledger.lookup("sms:m10")
        assert held is not None and (held.device, held.state) == ("pi-2", "claimed")
    finally:
        ledger.close()
