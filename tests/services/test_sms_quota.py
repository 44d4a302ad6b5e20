"""SmsService and capped SIMs: a capped modem is out of routing; when every candidate is
capped the message still goes to the gateway, which refuses it at once (1108) or sends it
on one that has room again by now."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from otpbroker.config import schema
from otpbroker.domain.errors import NoModemAvailableError, QuotaReachedError
from otpbroker.domain.message import Delivery, OutboundSms, SendOutcome
from otpbroker.domain.routing import ModemRoute
from otpbroker.services.sms import SmsRequest, SmsService

CAPPED = {"healthy": False, "reason": "quota", "back_at": 2e9}


class Encoded:
    parts = 1


class Gateway:
    """Routes as given; ``room`` names the modems that have room when asked to send."""

    def __init__(self, routes: list[ModemRoute], room: set[str]) -> None:
        self.route_list, self.room = routes, room
        self.asked: list[list[str]] = []

    def encode(self, sms: OutboundSms, max_parts: int) -> Any:
        return Encoded()

    def send(
        self, modem_ids: Sequence[str], message: Any, timeout: float, **terms: Any
    ) -> Delivery:
        self.asked.append(list(modem_ids))
        for modem in modem_ids:
            if modem in self.room:
                return Delivery(SendOutcome.SENT, modem, 1, 1)
        raise QuotaReachedError.after(90)

    def routes(self) -> list[ModemRoute]:
        return list(self.route_list)


class Settings:
    values: dict[str, Any] = {"device.country_code": "62", "sms.dedup_window_seconds": 0,
                              "sms.max_attempts": 3, "sms.max_parts": 3,
                              "sms.queue_timeout_seconds": 5}  # fmt: skip

    def get(self, key: str) -> Any:
        return self.values[key] if key in self.values else schema.default(key)


class NoBlocks:
    def is_blocked(self, msisdn: str) -> bool:
        return False


def service(routes: list[ModemRoute], room: set[str]) -> tuple[SmsService, Gateway]:
    gateway = Gateway(routes, room)
    return SmsService(gateway, NoBlocks(), Settings()), gateway  # type: ignore[arg-type]


def test_a_capped_modem_is_skipped_for_the_other_of_its_route() -> None:
    routes = [ModemRoute("a", ("62812",), **CAPPED), ModemRoute("b", ("62812",))]
    sms, gateway = service(routes, {"a", "b"})
    assert sms.submit(SmsRequest("08126666666", "Kode 1")).modem_id == "b"
    assert gateway.asked == [["b"]]


def test_every_candidate_capped_is_refused_by_the_gateway_with_retry_after() -> None:
    routes = [ModemRoute("a", ("62812",), **CAPPED), ModemRoute("b", default=True, **CAPPED),
              ModemRoute("c", ("62813",), send_from_api=False)]  # fmt: skip
    sms, gateway = service(routes, set())
    with pytest.raises(QuotaReachedError) as refused:
        sms.submit(SmsRequest("08126666666", "Kode 1"))
    assert refused.value.retry_after == 90 and "sending cap" in refused.value.message
    assert gateway.asked == [["a", "b"]]  # every capped candidate at once, not c (manual only)


def test_a_capped_modem_with_room_again_sends() -> None:
    sms, _gateway = service([ModemRoute("a", default=True, **CAPPED)], {"a"})
    assert sms.submit(SmsRequest("08126666666", "Kode 1")).outcome is SendOutcome.SENT


def test_the_admins_test_of_a_capped_modem_is_refused_for_quota() -> None:
    routes = [ModemRoute("a", default=True, **CAPPED), ModemRoute("b", default=True)]
    sms, gateway = service(routes, set())
    with pytest.raises(QuotaReachedError):
        sms.submit(SmsRequest("08126666666", "Test", modem_id="a", manual=True))
    assert gateway.asked == [["a"]]


def test_a_modem_out_for_another_reason_is_not_tried() -> None:
    routes = [ModemRoute("a", default=True, healthy=False, reason="dead")]
    sms, gateway = service(routes, {"a"})
    with pytest.raises(NoModemAvailableError):
        sms.submit(SmsRequest("08126666666", "Kode 1"))
    assert gateway.asked == []
