"""OtpService with autofill lines: the text it hands on, and a refusal that issues nothing."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest

from otpbroker.config.schema import SETTINGS
from otpbroker.domain.errors import InvalidMessageError
from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.services.otp import OtpService
from otpbroker.services.sms import SmsRequest, SmsService


class FakeSettings:
    """Every default, with some keys overridden (no cross-setting check: that is the point)."""

    def __init__(self, **values: Any) -> None:
        self.values = {spec.key: spec.default for spec in SETTINGS}
        self.values.update({key.replace("__", "."): value for key, value in values.items()})

    def get(self, key: str) -> Any:
        return self.values[key]


class FakeSms:
    """Records what would be sent."""

    def __init__(self) -> None:
        self.sent: list[SmsRequest] = []

    def recipient(self, msisdn: str) -> str:
        return "628126666666"

    def submit(self, request: SmsRequest) -> Delivery:
        self.sent.append(request)
        return Delivery(outcome=SendOutcome.SENT, modem_id="m1", parts=1)


def service(**values: Any) -> tuple[OtpService, FakeSms]:
    sms = FakeSms()
    return OtpService(cast(SmsService, sms), FakeSettings(**values)), sms


def test_request_hands_on_the_autofill_text() -> None:
    otp, sms = service(otp__domain="example.com", otp__app_hash="FA+9qCX9VSu")
    issued = otp.request(SmsRequest("08126666666", ""))
    [sent] = sms.sent
    match = re.fullmatch(r"Your code is (\d{6})\nFA\+9qCX9VSu\n@example\.com #\1", sent.text)
    assert match, sent.text
    assert issued.token is not None
    assert otp.verify(issued.token, match.group(1)).name == "VALID"


def test_a_text_over_one_part_at_send_time_issues_nothing_and_sends_nothing() -> None:
    # settings that the store would refuse (changed behind its back): the send refuses too
    otp, sms = service(otp__domain="example.com", otp__template="{otp} " + "x" * 140)
    with pytest.raises(InvalidMessageError) as caught:
        otp.request(SmsRequest("08126666666", ""))
    assert caught.value.reason == "too_long"
    assert "takes 168 septets" in caught.value.message
    assert sms.sent == []
    assert len(otp._current_book()) == 0


def test_text_for_is_the_template_alone_without_autofill() -> None:
    otp, _ = service(otp__template="Kode {otp}")
    assert otp.text_for("0042") == "Kode 0042"
