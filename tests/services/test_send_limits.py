"""SendLimits under a fake clock: each ``limits.*`` setting, the refusal replies (1106 with
the wait, 1107), the counts by reason and the monitor's events; nothing reaches a modem."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from otpbroker.config import schema
from otpbroker.config.schema_limits import LIMIT_SETTINGS
from otpbroker.domain.errors import SendRefusedError
from otpbroker.domain.message import Delivery, OutboundSms, SendOutcome
from otpbroker.domain.routing import ModemRoute
from otpbroker.services.command_processor import CommandProcessor
from otpbroker.services.events import EventLog
from otpbroker.services.otp import OtpService
from otpbroker.services.replies import Code
from otpbroker.services.send_limits import SendLimits
from otpbroker.services.sms import SmsRequest, SmsService

OFF = {spec.key: 0 if spec.kind is int else [] for spec in LIMIT_SETTINGS}


class Settings:
    def __init__(self, **limits: Any) -> None:
        self.values: dict[str, Any] = {
            "device.country_code": "62",
            "sms.dedup_window_seconds": 0,
            "sms.max_attempts": 1,
            "sms.max_parts": 5,
            "sms.queue_timeout_seconds": 5,
            "otp.digits": 6,
            "otp.ttl_seconds": 300,
            "otp.max_attempts": 5,
            "otp.template": "Your code is {otp}",
            **OFF,
            "limits.prefix_digits": 4,
        }
        self.values.update({f"limits.{key}": value for key, value in limits.items()})

    def get(self, key: str) -> Any:
        return self.values[key] if key in self.values else schema.default(key)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Gateway:
    """Sends everything on modem ``m``; records what it was asked to encode and send."""

    def __init__(self) -> None:
        self.encoded: list[OutboundSms] = []
        self.sent: list[Any] = []

    def encode(self, sms: OutboundSms, max_parts: int) -> Any:
        self.encoded.append(sms)
        return type("Encoded", (), {"sms": sms, "parts": 1})()

    def send(
        self, modem_ids: Sequence[str], message: Any, timeout: float, **terms: Any
    ) -> Delivery:
        self.sent.append(message)
        return Delivery(SendOutcome.SENT, modem_ids[0], len(self.sent), 1)

    def routes(self) -> list[ModemRoute]:
        return [ModemRoute("m", default=True)]


class NoBlocks:
    def is_blocked(self, msisdn: str) -> bool:
        return False


class Rig:
    def __init__(self, **limits: Any) -> None:
        self.settings = Settings(**limits)
        self.clock = Clock()
        self.events = EventLog()
        self.gateway = Gateway()
        self.limits = SendLimits(self.settings, self.events, self.clock)
        self.sms = SmsService(self.gateway, NoBlocks(), self.settings, self.events,
                              limits=self.limits)  # type: ignore[arg-type]  # fmt: skip
        otp = OtpService(self.sms, self.settings)  # type: ignore[arg-type]
        self.processor = CommandProcessor(self.sms, otp, NoBlocks(), self.settings)  # type: ignore[arg-type]

    def send(self, number: str, *, user: str | None = "app", source: str = "rest",
             command: str = "send-sms") -> Any:  # fmt: skip
        data = {"msisdn": number, "message": "Kode OTP 123456"}
        if command == "request-otp":
            del data["message"]
        return self.processor.handle({"command": command, "data": data}, source=source, user=user)


def codes(replies: list[Any]) -> list[str]:
    return [reply.code.response_code for reply in replies]


@pytest.mark.parametrize(
    ("setting", "count", "seconds", "numbers"),
    [
        ("recipient_per_hour", 5, 3600, ["08123450001"] * 7),
        ("recipient_per_day", 3, 86400, ["08123450001"] * 5),
        ("prefix_per_hour", 4, 3600, [f"0812345{n:04d}" for n in range(6)]),
        ("user_per_minute", 2, 60, [f"0813{n:08d}" for n in range(4)]),
        ("user_per_hour", 3, 3600, [f"0814{n:08d}" for n in range(5)]),
    ],
)
def test_each_rate_limit_stops_at_its_count_until_its_window_passes(
    setting, count, seconds, numbers
):
    rig = Rig(**{setting: count})
    replies = []
    for number in numbers:
        replies.append(rig.send(number))
        rig.clock.now += 1
    assert codes(replies) == ["0000"] * count + ["1106"] * (len(numbers) - count)
    refused = replies[count]
    assert refused.code is Code.RATE_LIMITED and refused.code.http_status == 429
    reason = setting.split("_per_")[0]
    assert refused.data == {"reason": reason, "retry_after": seconds - count}
    assert f"limits.{setting}" in refused.text and f"retry in {seconds - count} s" in refused.text
    assert "123456" not in refused.text and numbers[0][1:] not in refused.text  # masked
    assert len(rig.gateway.encoded) == len(rig.gateway.sent) == count  # nothing else got near
    rig.clock.now = 1000.0 + seconds  # the first one (sent at 1000 s) has left the window
    assert rig.send(numbers[-1]).code is Code.OK


def test_per_user_limits_count_api_users_and_feeders_apart():
    rig = Rig(user_per_minute=1)
    assert rig.send("0812000001", user="app").ok
    assert rig.send("0812000002", user="other").ok
    assert rig.send("0812000003", user=None, source="rabbitmq").ok
    assert rig.send("0812000004", user=None, source="mqtt").ok
    assert rig.send("0812000005", user=None, source="rabbitmq").code is Code.RATE_LIMITED
    assert rig.send("0812000006", user="app").code is Code.RATE_LIMITED


@pytest.mark.parametrize(
    ("limits", "number", "reason"),
    [
        ({"allowed_countries": ["65"]}, "08123456789", "country"),
        ({"allowed_prefixes": ["62813"]}, "08123456789", "prefix_not_allowed"),
        ({"denied_prefixes": ["62812"]}, "+628123456789", "prefix_denied"),
        ({"allowed_prefixes": ["62812"], "denied_prefixes": ["6281234"]}, "08123456789",
         "prefix_denied"),
    ],
)  # fmt: skip
def test_numbers_outside_the_lists_are_not_allowed(limits, number, reason):
    rig = Rig(**limits)
    reply = rig.send(number)
    assert reply.code is Code.NOT_ALLOWED and reply.code.http_status == 403
    assert reply.data == {"reason": reason}
    assert reply.text.startswith("6281******89 may not be sent to: ")
    assert rig.gateway.encoded == [] and rig.gateway.sent == []
    assert rig.limits.refusals()[reason] == 1


def test_numbers_inside_the_lists_are_sent():
    rig = Rig(allowed_countries=["62", "65"], allowed_prefixes=["6281", "659"],
              denied_prefixes=["62899"])  # fmt: skip
    assert rig.send("08123456789").ok and rig.send("+6591234567").ok
    assert rig.send("08991234567").code is Code.NOT_ALLOWED


def test_refusals_are_counted_by_reason_and_published_masked():
    rig = Rig(recipient_per_hour=1, denied_prefixes=["62899"])
    seen = []
    rig.events.subscribe(seen.append)
    rig.send("08123456789")
    rig.send("08123456789", user=None, source="mqtt")
    rig.send("08991234567")
    assert rig.limits.refusals() == {"recipient": 1, "prefix": 0, "user": 0, "country": 0,
                                     "prefix_denied": 1, "prefix_not_allowed": 0}  # fmt: skip
    refused = [event for event in seen if event.outcome == "refused"]
    assert [(e.source, e.code, e.recipient, e.modem_id) for e in refused] == [
        ("mqtt", "recipient", "6281******89", None),
        ("rest", "prefix_denied", "6289******67", None),
    ]
    assert "123456" not in repr(refused)
    assert rig.events.counts()[("sms", "refused", "none")] == 2


def test_request_otp_is_limited_too_and_no_code_is_left_behind():
    rig = Rig(recipient_per_hour=1)
    assert rig.send("08123456789", command="request-otp").ok
    reply = rig.send("08123456789", command="request-otp")
    assert reply.code is Code.RATE_LIMITED and "token" not in (reply.data or {})
    assert len(rig.gateway.sent) == 1


def test_the_administrators_own_sends_are_not_limited():
    rig = Rig(recipient_per_hour=1, denied_prefixes=["62812"])
    for _ in range(3):
        delivery = rig.sms.submit(SmsRequest("08123456789", "test", source="admin", manual=True))
        assert delivery.outcome is SendOutcome.SENT


def test_a_refusal_is_a_send_refused_error_with_the_wait():
    rig = Rig(prefix_per_hour=1)
    rig.sms.submit(SmsRequest("08123450001", "a"))
    rig.clock.now += 100
    with pytest.raises(SendRefusedError) as caught:
        rig.sms.submit(SmsRequest("08123450002", "b"))
    assert caught.value.reason == "prefix" and caught.value.retry_after == 3500
    assert caught.value.rate_limited


def test_changed_settings_apply_to_the_next_message():
    rig = Rig(recipient_per_hour=1)
    assert rig.send("08123456789").ok
    assert rig.send("08123456789").code is Code.RATE_LIMITED
    rig.settings.values["limits.recipient_per_hour"] = 2
    assert rig.send("08123456789").ok
    rig.settings.values["limits.recipient_per_hour"] = 0
    assert all(rig.send("08123456789").ok for _ in range(10))


def test_product_defaults():
    defaults = {spec.key: spec.default for spec in LIMIT_SETTINGS}
    assert defaults == {
        "limits.recipient_per_hour": 5,
        "limits.recipient_per_day": 10,
        "limits.prefix_digits": 4,
        "limits.prefix_per_hour": 30,
        "limits.user_per_minute": 60,
        "limits.user_per_hour": 1000,
        "limits.allowed_countries": [],
        "limits.allowed_prefixes": [],
        "limits.denied_prefixes": [],
    }
