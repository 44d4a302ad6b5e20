"""Shared pieces of the feeder reply tests: a real broker with one emulated modem, the
feeders' link to its two-way bus, later status events, the OTP a modem sent."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))

from broker_harness import BrokerHarness

from otpbroker.domain.message_life import InboundSms, MessageState, StatusEvent
from otpbroker.feeders.base import Feeder
from otpbroker.feeders.replies import FeederNews


def news_harness(data_dir: Path) -> BrokerHarness:
    """A started broker with one fast emulated modem (stop it afterwards)."""
    h = BrokerHarness(data_dir)
    h.add_modem(profile={"send_delay": 0.005})
    return h.start()


def attach(h: BrokerHarness, feeder: Feeder, wait: float = 600.0) -> Feeder:
    """Link ``feeder`` to the broker's bus, as the manager does."""
    feeder.news = FeederNews(h.broker.two_way.bus, wait)
    feeder.delays = (0.5, 1.0)
    return feeder


def later(h: BrokerHarness, message_id: str, source: str,
          state: MessageState = MessageState.DELIVERED) -> StatusEvent:  # fmt: skip
    """Publish a later status event (as the status-report tracker does); returns it."""
    event = StatusEvent(message_id, state, source, modem_id="m1", recipient="0812****666",
                        parts=1)  # fmt: skip
    h.broker.two_way.bus.publish_status(event)
    return event


def received(h: BrokerHarness, text: str = "STOP") -> InboundSms:
    """Publish a received SMS on the bus (as the inbound reader does); returns it."""
    message = InboundSms("m1", "+628126666666", text, sent_at=1_700_000_000.0)
    h.broker.two_way.bus.publish_inbound(message)
    return message


def otp_sent(h: BrokerHarness, count: int = 1) -> str:
    """The six-digit code in the ``count``-th SMS the modem sent."""
    deliveries = h.sims[0].wait_for_deliveries(count)
    found = re.search(r"\d{6}", deliveries[count - 1].text)
    assert found is not None
    return found.group(0)


def request_otp(msisdn: str = "08126666666", message_id: str | None = None) -> dict:
    data = {"msisdn": msisdn} if message_id is None else {"msisdn": msisdn, "id": message_id}
    return {"command": "request-otp", "data": data}


def verify_otp(token: str, code: str) -> dict:
    return {"command": "verify-otp", "data": {"token": token, "otp": code}}


def send_sms(msisdn: str, text: str, message_id: str | None = None) -> dict:
    data = {"msisdn": msisdn, "message": text}
    if message_id is not None:
        data["id"] = message_id
    return {"command": "send-sms", "data": data}
