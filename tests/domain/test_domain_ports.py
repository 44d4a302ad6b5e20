"""Tests for otpbroker.domain.ports: simple fakes satisfy the protocols."""

import time
from collections.abc import Sequence

from otpbroker.domain.delivery import Lane
from otpbroker.domain.message import Delivery, OutboundSms, SendOutcome
from otpbroker.domain.ports import BlockList, Clock, EncodedSms, ModemGateway
from otpbroker.domain.routing import ModemRoute


class Encoded:
    parts = 1


class FakeGateway:
    def send(
        self,
        modem_ids: Sequence[str],
        message: EncodedSms,
        timeout: float,
        *,
        lane: Lane = Lane.OTP,
        expires_at: float | None = None,
    ) -> Delivery:
        return Delivery(SendOutcome.SENT, modem_ids[0], 1, message.parts)

    def encode(self, sms: OutboundSms, max_parts: int) -> EncodedSms:
        return Encoded()

    def routes(self) -> list[ModemRoute]:
        return [ModemRoute("m1", default=True)]


class FakeBlockList:
    def __init__(self) -> None:
        self.numbers: set[str] = set()

    def is_blocked(self, msisdn: str) -> bool:
        return msisdn in self.numbers

    def block(self, msisdn: str, source: str) -> bool:
        new = msisdn not in self.numbers
        self.numbers.add(msisdn)
        return new

    def unblock(self, msisdn: str) -> bool:
        if msisdn in self.numbers:
            self.numbers.remove(msisdn)
            return True
        return False


def test_fakes_satisfy_protocols() -> None:
    assert isinstance(FakeGateway(), ModemGateway)
    assert isinstance(FakeBlockList(), BlockList)
    assert isinstance(time.monotonic, Clock)
    assert not isinstance(object(), ModemGateway)


def test_fake_usage() -> None:
    gateway: ModemGateway = FakeGateway()
    sms = OutboundSms("628126666666", "OTP 1234", "1", "rest")
    assert gateway.send(["m1"], gateway.encode(sms, 10), 5.0).sent
    blocks: BlockList = FakeBlockList()
    assert blocks.block("628126666666", "rest") is True
    assert blocks.block("628126666666", "rest") is False
    assert blocks.is_blocked("628126666666")
    assert blocks.unblock("628126666666") is True
    assert not blocks.is_blocked("628126666666")
