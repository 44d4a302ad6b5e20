"""A message's way from the command to AT+CMGS does each thing once, over emulated modems.

Spies count the calls of the text encoder (``split_text``: every way of encoding or counting
parts splits the text; ``encode_user_data``: the packing, once per part) and of the number
normaliser (``normalize_msisdn``) wherever the app imported them, while real sends go
through the command set, ``SmsService``, the pool, the owner threads and the emulators.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from dataclasses import fields
from types import ModuleType
from typing import Any

import pytest
from matrix_rigs import FALLBACK, NoBlocks, Rig, Settings, profile_of, start_rig, wait_until

from otpbroker.domain import msisdn as msisdn_module
from otpbroker.domain.errors import InvalidMessageError
from otpbroker.domain.message import SendOutcome
from otpbroker.domain.otp import OtpBook
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pdu import segment, userdata
from otpbroker.modem.pool import ModemPool
from otpbroker.services.command_processor import CommandProcessor
from otpbroker.services.otp import OtpService
from otpbroker.services.replies import Code
from otpbroker.services.sms import SmsRequest

MODEM = "generic"
OTP_SETTINGS = {
    "otp.digits": 6,
    "otp.ttl_seconds": 300,
    "otp.max_attempts": 5,
    "otp.template": "Kode OTP Anda {otp}. Jangan berikan kode ini kepada siapa pun.",
    "otp.domain": "",
    "otp.iframe_domain": "",
    "otp.app_hash": "",
}
THREE_PARTS = "Kode OTP Anda 482913. " * 20  # 440 GSM 7-bit characters


class CountingSettings(Settings):
    """The rig's settings, counting which keys are read."""

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.read: list[str] = []

    def get(self, key: str) -> Any:
        """A setting's value (counted)."""
        self.read.append(key)
        return super().get(key)


def spy(monkeypatch: pytest.MonkeyPatch, owner: ModuleType | type, name: str) -> list[int]:
    """Count the calls of ``owner.name``, there and in every loaded module that holds it."""
    original = getattr(owner, name)
    calls: list[int] = []

    @functools.wraps(original)
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    for loaded in list(sys.modules.values()):
        if loaded is not None and vars(loaded).get(name) is original:
            monkeypatch.setattr(loaded, name, counted)
    return calls


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> Iterator[tuple[Rig, CountingSettings, CommandProcessor]]:
    settings = CountingSettings(**OTP_SETTINGS, **{"sms.max_parts": 10})
    rig = start_rig(tmp_path_factory.mktemp("once"), {MODEM: profile_of(MODEM)}, settings=settings)
    processor = CommandProcessor(rig.sms, OtpService(rig.sms, settings), NoBlocks(), settings)  # type: ignore[arg-type]
    yield rig, settings, processor
    rig.stop()


@pytest.fixture
def counts(monkeypatch, setup) -> Callable[[], dict[str, int]]:
    """Spies on the encoder and the normaliser; the calls counted so far, by name."""
    _rig, settings, _processor = setup
    settings.values["sms.max_parts"] = 10
    settings.read.clear()
    spies = {
        "split": spy(monkeypatch, segment, "split_text"),
        "pack": spy(monkeypatch, userdata, "encode_user_data"),
        "normalise": spy(monkeypatch, msisdn_module, "normalize_msisdn"),
        "issue": spy(monkeypatch, OtpBook, "issue"),
    }
    return lambda: {name: len(calls) for name, calls in spies.items()}


def national(rig: Rig) -> str:
    """The number of the rig's modem as a client types it (national form, with spaces)."""
    number = rig.number(MODEM)
    return f"0{number[2:5]} {number[5:]}"


def command(processor: CommandProcessor, name: str, **data: Any) -> Any:
    return processor.handle({"command": name, "data": data}, source="rest")


def test_a_send_encodes_and_normalises_once(setup, counts):
    rig, _settings, processor = setup
    reply = command(processor, "send-sms", msisdn=national(rig), message="Kode OTP 111222")
    assert reply.code is Code.OK and reply.data["modem"] == MODEM
    assert counts() == {"split": 1, "pack": 1, "normalise": 1, "issue": 0}


def test_a_fail_over_reuses_the_one_encoding(setup, counts):
    rig, _settings, processor = setup
    before = len(rig.sims[FALLBACK].log.parts)
    rig.sims[MODEM].inject("cms-error", code=500, count=1)
    reply = command(processor, "send-sms", msisdn=national(rig), message=THREE_PARTS)
    assert reply.code is Code.OK and reply.data["modem"] == FALLBACK
    assert reply.data["parts"] == 3
    assert counts() == {"split": 1, "pack": 3, "normalise": 1, "issue": 0}
    assert wait_until(lambda: len(rig.sims[FALLBACK].log.parts) == before + 3, 5)
    written = rig.sims[FALLBACK].log.parts[before:]
    assert "".join(part.submit.text for part in written) == THREE_PARTS


def test_a_request_otp_normalises_once(setup, counts):
    rig, _settings, processor = setup
    reply = command(processor, "request-otp", msisdn=national(rig))
    assert reply.code is Code.OK and reply.data["token"]
    assert counts() == {"split": 1, "pack": 1, "normalise": 1, "issue": 1}


def test_a_bad_number_is_refused_before_any_otp_exists(setup, counts):
    _rig, _settings, processor = setup
    reply = command(processor, "request-otp", msisdn="not a number")
    assert reply.code is Code.INVALID_NUMBER
    assert counts() == {"split": 0, "pack": 0, "normalise": 1, "issue": 0}


def test_sms_max_parts_is_read_once_and_checked_once(setup, counts):
    rig, settings, _processor = setup
    sim = rig.sims[MODEM]
    before = len(sim.log.parts)
    settings.values["sms.max_parts"] = 2
    with pytest.raises(InvalidMessageError, match="needs 3 SMS parts but at most 2") as raised:
        rig.sms.submit(SmsRequest(rig.number(MODEM), THREE_PARTS))
    assert raised.value.reason == "too_long"
    assert settings.read.count("sms.max_parts") == 1
    assert counts()["split"] == 1 and counts()["pack"] == 0  # refused before packing
    settings.values["sms.max_parts"] = 3
    delivery = rig.sms.submit(SmsRequest(rig.number(MODEM), THREE_PARTS))
    assert delivery.outcome is SendOutcome.SENT and delivery.parts == 3
    assert settings.read.count("sms.max_parts") == 2
    assert wait_until(lambda: len(sim.log.parts) == before + 3, 5)


def test_the_modem_layer_holds_no_part_limit():
    assert "max_parts" not in {field.name for field in fields(ModemOptions)}
    assert not hasattr(ModemPool(), "max_parts")
