"""Expiry and lanes through the command set: what the gateway is asked, and the replies."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from otpbroker.config import schema
from otpbroker.domain.delivery import NO_TERMS, DeliveryTerms, Lane
from otpbroker.domain.message import Delivery, OutboundSms, SendOutcome
from otpbroker.domain.routing import ModemRoute
from otpbroker.services.alerts import Alerts
from otpbroker.services.command_processor import CommandProcessor
from otpbroker.services.events import EventLog
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.otp import OtpService
from otpbroker.services.sms import SmsService

NOW = 1_800_000_000.0


class Gateway:
    """Records what each send was asked; answers with the prepared outcome."""

    def __init__(self, outcome: SendOutcome = SendOutcome.SENT) -> None:
        self.outcome = outcome
        self.asked: list[dict[str, Any]] = []

    def encode(self, sms: OutboundSms, max_parts: int) -> Any:
        return SimpleNamespace(parts=1)

    def send(
        self,
        modem_ids: Sequence[str],
        message: Any,
        timeout: float,
        *,
        lane: Lane,
        expires_at: float | None,
        before_send: Any = None,
    ) -> Delivery:
        self.asked.append({"modems": tuple(modem_ids), "lane": lane, "expires_at": expires_at})
        code = "EXPIRED" if self.outcome is SendOutcome.EXPIRED else None
        return Delivery(self.outcome, modem_ids[0], 3, 1, code, "expired" if code else None)

    def routes(self) -> list[ModemRoute]:
        return [ModemRoute("m1", prefixes=("62812",)), ModemRoute("m2", default=True)]


class Settings:
    def __init__(self, **values: Any) -> None:
        self.values: dict[str, Any] = {
            "device.country_code": "62",
            "sms.dedup_window_seconds": 600,
            "sms.max_attempts": 3,
            "sms.max_parts": 10,
            "sms.queue_timeout_seconds": 5,
            "sms.default_ttl_seconds": 600,
            "otp.digits": 6,
            "otp.ttl_seconds": 300,
            "otp.max_attempts": 3,
            "otp.template": "Kode {otp}",
            **values,
        }

    def get(self, key: str) -> Any:
        return self.values[key] if key in self.values else schema.default(key)


class NoBlocks:
    def is_blocked(self, msisdn: str) -> bool:
        return False


def rig(outcome: SendOutcome = SendOutcome.SENT, **settings: Any):
    gateway = Gateway(outcome)
    values = Settings(**settings)
    health = ModemHealth(Alerts())
    events = EventLog()
    sms = SmsService(gateway, NoBlocks(), values, events, health)  # type: ignore[arg-type]
    otp = OtpService(sms, values, wall_clock=lambda: NOW)  # type: ignore[arg-type]
    processor = CommandProcessor(sms, otp, NoBlocks(), values, wall_clock=lambda: NOW)  # type: ignore[arg-type]
    return processor, gateway, health, events


def command(name: str = "send-sms", **data: Any) -> dict[str, Any]:
    return {"command": name, "data": {"msisdn": "08126666666", "message": "Kode 1", **data}}


@pytest.mark.parametrize(
    ("data", "terms", "expires_at", "lane"),
    [
        ({}, NO_TERMS, NOW + 600, Lane.OTP),  # the device's default ttl
        ({"ttl": 30}, NO_TERMS, NOW + 30, Lane.OTP),
        ({"valid_until": int(NOW) + 90}, NO_TERMS, NOW + 90, Lane.OTP),
        ({}, DeliveryTerms(default_ttl=120), NOW + 120, Lane.OTP),  # the API user's default
        ({"ttl": 300}, DeliveryTerms(expires_at=NOW + 45), NOW + 45, Lane.OTP),  # broker's
        ({}, DeliveryTerms(default_lane=Lane.BULK), NOW + 600, Lane.BULK),
        ({"priority": "otp"}, DeliveryTerms(default_lane=Lane.BULK), NOW + 600, Lane.OTP),
        ({"priority": "bulk"}, NO_TERMS, NOW + 600, Lane.BULK),
    ],
)
def test_the_gateway_gets_the_effective_expiry_and_lane(data, terms, expires_at, lane) -> None:
    processor, gateway, _health, _events = rig()
    reply = processor.handle(command(**data), source="rest", user="app", terms=terms)
    assert reply.code.response_code == "0000", reply
    assert gateway.asked == [{"modems": ("m1",), "lane": lane, "expires_at": expires_at}]


def test_no_expiry_when_the_device_default_is_0() -> None:
    processor, gateway, _health, _events = rig(**{"sms.default_ttl_seconds": 0})
    processor.handle(command(), source="rest")
    assert gateway.asked[0]["expires_at"] is None


def test_request_otp_always_takes_the_otp_lane_and_carries_its_expiry() -> None:
    processor, gateway, _health, _events = rig()
    bulk = DeliveryTerms(default_lane=Lane.BULK)
    reply = processor.handle(
        command("request-otp", ttl=60, priority="bulk"), source="rest", terms=bulk
    )
    assert reply.code.response_code == "0000", reply
    assert gateway.asked == [{"modems": ("m1",), "lane": Lane.OTP, "expires_at": NOW + 60}]


@pytest.mark.parametrize(
    ("data", "expires_at"),
    [({}, NOW + 300), ({"ttl": 3600}, NOW + 300), ({"ttl": 100}, NOW + 100)],
)
def test_a_generated_code_s_sms_never_outlives_the_code(data, expires_at) -> None:
    """The device default (600 s) and a longer ttl are cut to otp.ttl_seconds (300 s)."""
    processor, gateway, _health, _events = rig()
    reply = processor.handle(command("request-otp", **data), source="rest")
    assert reply.code.response_code == "0000", reply
    assert gateway.asked[0]["expires_at"] == expires_at


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ({"ttl": 60, "valid_until": int(NOW) + 60}, "give data.ttl or data.valid_until, not both"),
        ({"ttl": 0}, "data.ttl must be 1-604800 seconds, got 0"),
        ({"ttl": "1m"}, "data.ttl must be a whole number of seconds"),
        ({"valid_until": "2026-12-06T10:00:00"}, "has no UTC offset"),
        ({"priority": "urgent"}, "data.priority must be one of 'otp', 'bulk'"),
    ],
)
def test_bad_fields_get_a_precise_400_and_nothing_is_sent(data, text) -> None:
    processor, gateway, _health, _events = rig()
    reply = processor.handle(command(**data), source="rest")
    assert (reply.code.response_code, reply.code.http_status) == ("1211", 400)
    assert text in reply.text
    assert gateway.asked == []


def test_an_expired_message_gets_1104_is_never_tried_elsewhere_and_holds_no_modem() -> None:
    processor, gateway, health, events = rig(SendOutcome.EXPIRED)
    reply = processor.handle(command(id="x-1"), source="rest")
    assert (reply.code.response_code, reply.code.http_status) == ("1104", 410)
    assert "expired" in reply.text and "not sent" in reply.text
    assert reply.data is not None and reply.data["error_code"] == "EXPIRED"
    assert len(gateway.asked) == 1  # not tried on m2
    assert health.holds() == {}
    assert [e.outcome for e in events.recent()] == ["expired"]  # the monitor shows it
    again = processor.handle(command(id="x-1"), source="rest")  # its id is kept: not resent
    assert again.code.response_code == "1205" and len(gateway.asked) == 1


def test_an_expired_otp_leaves_no_token() -> None:
    processor, _gateway, _health, _events = rig(SendOutcome.EXPIRED)
    reply = processor.handle(command("request-otp"), source="rest")
    assert reply.code.response_code == "1104"
    assert reply.data is not None and "token" not in reply.data
