"""SmsService encodes a message once and hands that one encoding to every attempt.

A fake gateway records its calls: however many modems a message is tried on, the gateway
encodes it once, with the part limit the service read from ``sms.max_parts``, and every
``send`` gets the very object ``encode`` returned, its number in MSISDN form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from otpbroker.domain.message import Delivery, OutboundSms, SendOutcome
from otpbroker.domain.msisdn import Msisdn
from otpbroker.domain.routing import ModemRoute
from otpbroker.services.sms import SmsRequest, SmsService


@dataclass(frozen=True)
class Encoded:
    sms: OutboundSms
    max_parts: int
    parts: int = 2


class Gateway:
    """Fails definitely on every modem but the last of the routes."""

    def __init__(self, routes: list[ModemRoute]) -> None:
        self.route_list = routes
        self.encoded: list[Encoded] = []
        self.sent: list[tuple[str, Any]] = []

    def encode(self, sms: OutboundSms, max_parts: int) -> Encoded:
        self.encoded.append(Encoded(sms, max_parts))
        return self.encoded[-1]

    def send(
        self, modem_ids: Sequence[str], message: Any, timeout: float, **terms: Any
    ) -> Delivery:
        modem = modem_ids[0]
        self.sent.append((modem, message))
        if modem == self.route_list[-1].id:
            return Delivery(SendOutcome.SENT, modem, 7, message.parts)
        return Delivery(SendOutcome.FAILED, modem, error_code="CMS331", error="no network")

    def routes(self) -> list[ModemRoute]:
        return list(self.route_list)


class Settings:
    def __init__(self, max_parts: int) -> None:
        self.values: dict[str, Any] = {
            "device.country_code": "62",
            "sms.dedup_window_seconds": 0,
            "sms.max_attempts": 3,
            "sms.max_parts": max_parts,
            "sms.queue_timeout_seconds": 5,
        }

    def get(self, key: str) -> Any:
        return self.values[key]


class NoBlocks:
    def is_blocked(self, msisdn: str) -> bool:
        return False


def test_every_attempt_gets_the_one_encoding():
    routes = [ModemRoute("a", default=True), ModemRoute("b", default=True),
              ModemRoute("c", default=True)]  # fmt: skip
    gateway = Gateway(routes)
    service = SmsService(gateway, NoBlocks(), Settings(max_parts=4))  # type: ignore[arg-type]
    delivery = service.submit(SmsRequest("0812-6666-666", "Kode OTP 482913"))
    assert delivery.outcome is SendOutcome.SENT and delivery.modem_id == "c"
    assert [attempt.modem_id for attempt in delivery.attempts] == ["a", "b", "c"]
    assert len(gateway.encoded) == 1 and gateway.encoded[0].max_parts == 4
    assert [message for _modem, message in gateway.sent] == [gateway.encoded[0]] * 3
    assert gateway.encoded[0].sms.msisdn == "628126666666"
    assert isinstance(gateway.encoded[0].sms.msisdn, Msisdn)


def test_a_number_already_normalised_is_taken_as_it_is(monkeypatch):
    gateway = Gateway([ModemRoute("a", default=True)])
    service = SmsService(gateway, NoBlocks(), Settings(max_parts=10))  # type: ignore[arg-type]
    number = service.recipient("0812 6666 666")
    calls: list[str] = []
    monkeypatch.setattr(
        "otpbroker.domain.msisdn.normalize_msisdn", lambda raw, cc="62": calls.append(raw)
    )
    assert service.submit(SmsRequest(number, "Kode OTP 482913")).outcome is SendOutcome.SENT
    assert calls == [] and gateway.encoded[0].sms.msisdn is number
