"""SmsService with the send ledger: what went out before a restart is not sent again.

A fake gateway stands for the modems: it calls ``before_send`` as the owner thread does
just before ``AT+CMGS`` and notes what the ledger file held at that moment. The ledger is
the real file adapter; a restart is a new service over the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from otpbroker.config import schema
from otpbroker.config.send_ledger import FileSendLedger
from otpbroker.domain.errors import DuplicateMessageError, NoModemAvailableError
from otpbroker.domain.message import Delivery, OutboundSms, SendOutcome
from otpbroker.domain.routing import ModemRoute
from otpbroker.services.command_replies import delivery_reply
from otpbroker.services.otp import OtpService
from otpbroker.services.replies import Code
from otpbroker.services.sms import SmsRequest, SmsService


class Encoded:
    parts = 1


class Gateway:
    """One modem ``a``; each send answers ``outcome``; records the ledger at AT+CMGS."""

    def __init__(self, ledger_path: Path, outcome: SendOutcome = SendOutcome.SENT) -> None:
        self.ledger_path = ledger_path
        self.outcome = outcome
        self.at_cmgs: list[bytes] = []  # the ledger file's bytes when AT+CMGS was written

    def encode(self, sms: OutboundSms, max_parts: int) -> Encoded:
        return Encoded()

    def send(
        self,
        modem_ids: Sequence[str],
        message: Any,
        timeout: float,
        *,
        before_send: Callable[[], None] | None = None,
        **terms: Any,
    ) -> Delivery:
        if before_send is not None:
            before_send()
        self.at_cmgs.append(self.ledger_path.read_bytes())
        code = None if self.outcome is SendOutcome.SENT else "CMS500"
        return Delivery(self.outcome, "a", 1, 1, code)

    def routes(self) -> list[ModemRoute]:
        return [ModemRoute("a", default=True)]


class Settings:
    def __init__(self, window: int = 600) -> None:
        self.values: dict[str, Any] = {
            "device.country_code": "62",
            "sms.dedup_window_seconds": window,
            "sms.max_attempts": 1,
            "sms.max_parts": 4,
            "sms.queue_timeout_seconds": 5,
            "otp.digits": 6,
            "otp.ttl_seconds": 300,
            "otp.max_attempts": 3,
            "otp.template": "Kode {otp}",
        }

    def get(self, key: str) -> Any:
        return self.values[key] if key in self.values else schema.default(key)


class NoBlocks:
    def is_blocked(self, msisdn: str) -> bool:
        return False


class Run:
    """One run of the service over the ledger file at ``path``."""

    def __init__(self, path: Path, outcome: SendOutcome = SendOutcome.SENT) -> None:
        self.ledger = FileSendLedger(path)
        self.gateway = Gateway(path, outcome)
        self.service = SmsService(self.gateway, NoBlocks(), Settings(), ledger=self.ledger)  # type: ignore[arg-type]

    def submit(self, message_id: str | None, ledger_key: str | None = None) -> Delivery:
        request = SmsRequest("08126666666", "Kode 482913", message_id, ledger_key=ledger_key)
        return self.service.submit(request)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "send-ledger.log"


def states(path: Path) -> list[str]:
    return [line.split('"s":"')[1].split('"')[0] for line in path.read_text().splitlines()]


def test_sending_is_on_file_before_at_cmgs_and_the_outcome_after(path: Path) -> None:
    run = Run(path)
    assert run.submit("m1").outcome is SendOutcome.SENT
    assert b'"k":"sms:m1","s":"sending"' in run.gateway.at_cmgs[0]
    assert states(path) == ["sending", "sent"]
    assert "482913" not in path.read_text()


def test_a_message_sent_before_a_restart_is_answered_with_its_first_outcome(path: Path) -> None:
    Run(path).submit("m1")
    again = Run(path)
    delivery = again.submit("m1")
    assert delivery.duplicate and delivery.outcome is SendOutcome.SENT
    assert again.gateway.at_cmgs == []  # not sent again
    reply = delivery_reply("send-sms", delivery, {"id": "m1"})
    assert reply.code is Code.OK and reply.data is not None
    assert reply.data["duplicate"] is True and reply.data["state"] == "sent"


def test_a_message_cut_off_after_sending_is_unknown_and_never_resent(path: Path) -> None:
    crashed = FileSendLedger(path)
    crashed.sending("sms:m1")  # the process died between the record and the outcome
    crashed.close()
    run = Run(path)
    delivery = run.submit("m1")
    assert delivery.duplicate and delivery.outcome is SendOutcome.UNKNOWN
    assert run.gateway.at_cmgs == []
    reply = delivery_reply("send-sms", delivery, {"id": "m1"})
    assert reply.code is Code.OUTCOME_UNKNOWN and reply.data is not None
    assert reply.data["duplicate"] is True and reply.data["state"] == "unknown"


def test_an_unknown_outcome_is_never_resent_after_a_restart(path: Path) -> None:
    assert Run(path, SendOutcome.UNKNOWN).submit("m1").outcome is SendOutcome.UNKNOWN
    again = Run(path)
    assert again.submit("m1").duplicate and again.gateway.at_cmgs == []


def test_a_definite_failure_may_be_sent_again_after_a_restart(path: Path) -> None:
    assert Run(path, SendOutcome.FAILED).submit("m1").outcome is SendOutcome.FAILED
    assert states(path) == ["sending", "failed"]
    again = Run(path)
    delivery = again.submit("m1")
    assert not delivery.duplicate and delivery.outcome is SendOutcome.SENT
    assert len(again.gateway.at_cmgs) == 1


def test_a_copy_within_the_window_of_the_same_run_is_still_1205(path: Path) -> None:
    run = Run(path)
    run.submit("m1")
    with pytest.raises(DuplicateMessageError):
        run.submit("m1")
    assert len(run.gateway.at_cmgs) == 1


def test_nothing_is_recorded_for_a_message_that_never_reached_a_modem(path: Path) -> None:
    run = Run(path)
    run.gateway.routes = list  # type: ignore[method-assign]  # no modem at all
    with pytest.raises(NoModemAvailableError):
        run.submit("m1")
    assert path.read_bytes() == b""


def test_an_id_less_message_is_recorded_under_its_key_but_not_refused(path: Path) -> None:
    run = Run(path)
    run.submit(None, ledger_key="digest:abc")
    run.submit(None, ledger_key="digest:abc")  # the feeder decides about redeliveries
    assert len(run.gateway.at_cmgs) == 2
    assert run.ledger.lookup("digest:abc") is not None
    assert states(path) == ["sending", "sent", "sending", "sent"]


def test_without_an_id_or_key_nothing_is_recorded(path: Path) -> None:
    run = Run(path)
    run.submit(None)
    assert path.read_bytes() == b"" and len(run.gateway.at_cmgs) == 1


def test_a_request_otp_sent_before_a_restart_gets_no_token_for_a_code_never_sent(
    path: Path,
) -> None:
    first = Run(path)
    issued = OtpService(first.service, Settings()).request(SmsRequest("08126666666", "", "otp-1"))
    assert issued.token is not None and len(first.gateway.at_cmgs) == 1
    again = Run(path)
    issued = OtpService(again.service, Settings()).request(SmsRequest("08126666666", "", "otp-1"))
    assert issued.delivery.duplicate and issued.token is None
    assert again.gateway.at_cmgs == []
