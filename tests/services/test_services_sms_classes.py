"""The error class SmsService names for a send, and what ModemHealth hears.

A fake gateway hands back prepared deliveries, so each case is exactly the one named: an
unknown outcome is never called ``transient`` (a client would resend an OTP that may have
arrived), and the SMS-path finding is read from the delivery, not guessed from the routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from otpbroker.domain.message import Delivery, OutboundSms, PathCheck, SendOutcome
from otpbroker.domain.routing import ModemRoute
from otpbroker.services.alerts import Alerts
from otpbroker.services.modem_health import ModemHealth
from otpbroker.services.sms import SmsRequest, SmsService

NUMBER = "628126666666"


class Gateway:
    """Answers every send with the next prepared delivery; routes are what the test says."""

    def __init__(self, deliveries: list[Delivery], routes: list[ModemRoute]) -> None:
        self.deliveries = deliveries
        self.route_list = routes
        self.sent: list[tuple[str, ...]] = []
        self.route_reads = 0

    def send(
        self, modem_ids: Sequence[str], message: Any, timeout: float, **terms: Any
    ) -> Delivery:
        self.sent.append(tuple(modem_ids))
        return self.deliveries.pop(0)

    def encode(self, sms: OutboundSms, max_parts: int) -> Any:
        return SimpleNamespace(parts=1)

    def routes(self) -> list[ModemRoute]:
        self.route_reads += 1
        return list(self.route_list)


class Settings:
    values: dict[str, Any] = {
        "device.country_code": "62",
        "sms.dedup_window_seconds": 0,
        "sms.max_attempts": 3,
        "sms.max_parts": 10,
        "sms.queue_timeout_seconds": 5,
    }

    def get(self, key: str) -> Any:
        return self.values[key]


class NoBlocks:
    def is_blocked(self, msisdn: str) -> bool:
        return False


def service(deliveries: list[Delivery], routes: list[ModemRoute] | None = None):
    gateway = Gateway(deliveries, routes or [ModemRoute("m1", default=True, sim_id="5101")])
    health = ModemHealth(Alerts())
    return SmsService(gateway, NoBlocks(), Settings(), health=health), gateway, health  # type: ignore[arg-type]


def submit(sms: SmsService) -> Delivery:
    return sms.submit(SmsRequest(NUMBER, "Kode OTP 482913", "id-1"))


@pytest.mark.parametrize(
    ("code", "check"),
    [
        ("TIMEOUT", PathCheck.NOT_CHECKED),  # no +CMGS after the PDU went out
        ("CMS500", PathCheck.HAS_PATH),  # part 2 of a multipart message failed
        ("PORT_GONE", PathCheck.NOT_CHECKED),  # the port vanished after the PDU was written
        ("CMS331", PathCheck.NOT_CHECKED),  # a transient code on a later part
    ],
)
def test_an_unknown_outcome_is_never_called_transient(code, check):
    sms, gateway, _health = service([Delivery(SendOutcome.UNKNOWN, "m1", error_code=code,
                                              path_check=check)])  # fmt: skip
    delivery = submit(sms)
    assert delivery.outcome is SendOutcome.UNKNOWN
    assert delivery.error_class == "unknown"  # docs/api.md: 1103, do not resend
    assert delivery.error_text
    assert len(gateway.sent) == 1  # and it was not resent


def test_a_sim_error_on_a_later_part_holds_the_modem_but_the_reply_says_unknown():
    sms, _gateway, health = service([Delivery(SendOutcome.UNKNOWN, "m1", error_code="CMS8")])
    delivery = submit(sms)
    assert delivery.error_class == "unknown"
    assert health.holds()["m1"].reason == "sim_account"  # the SIM is barred all the same
    assert health.holds()["m1"].sim_id == "5101"


def test_the_path_check_comes_from_the_delivery_not_from_the_routes():
    # the routes say nothing about a missing path: the delivery's finding decides
    no_path = Delivery(SendOutcome.FAILED, "m1", error_code="CMS500", path_check=PathCheck.NO_PATH)
    sms, gateway, _health = service([no_path])
    assert submit(sms).error_class == "no_sms_path"
    assert gateway.route_reads == 1  # once, to route; not again to guess the verdict


def test_a_modem_with_a_path_makes_an_unclassified_failure_transient():
    # routes claiming no_sms_path (say, a later status change) do not override the finding
    held = ModemRoute("m2", default=True, healthy=False, reason="no_sms_path")
    found = Delivery(SendOutcome.FAILED, "m1", error_code="CMS500", path_check=PathCheck.HAS_PATH)
    sms, _gateway, _health = service(
        [found], [ModemRoute("m1", prefixes=("62812",), sim_id="5101"), held]
    )
    delivery = submit(sms)
    assert delivery.error_class == "transient"


def test_routes_are_the_gateways_with_the_holds_applied():
    sms, gateway, health = service([Delivery(SendOutcome.FAILED, "m1", error_code="CMS8")])
    assert [r.healthy for r in sms.routes()] == [True]
    submit(sms)
    route = sms.routes()[0]
    assert (route.healthy, route.reason) == (False, "sim_account")
    assert health.holds()["m1"].code == "CMS8"
    assert gateway.route_reads == 3
