"""Independent decoders read the emulator's received SMS: Gammu (the Debian program) lists
them from every personality's SIM, python-gsmmodem-new's PDU codec decodes ours."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gammu_client import batch, config, log_of
from gsmmodem.pdu import decodeSmsPdu
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from otpbroker.modem.pdu import encode_deliver
from otpbroker.modem.sim import PERSONALITY_NAMES, SimModem, personality_profile

LONG = ("Panjang sekali pesan ini, " * 10).strip()
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
WHEN = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_gammu_reads_the_received_sms(name: str, tmp_path: Path) -> None:
    sim = SimModem(personality_profile(name, realistic=False, seed=7)).start()
    try:
        sim.receive_sms("Telkomsel", "Sisa pulsa Rp 3000")
        sim.receive_sms("+6281234567890", "OTP Ж 世界 😀")
        sim.receive_sms("+6281234567890", LONG, reference=5)
        result = batch(config(sim.port, tmp_path), ["getallsms"])
    finally:
        sim.stop()
    out = result.stdout
    assert result.returncode == 0, out + result.stderr + log_of(tmp_path)
    assert re.findall(r'Remote number\s+: "([^"]+)"', out) == ["Telkomsel"] + ["+6281234567890"] * 3
    assert "\nSisa pulsa Rp 3000\n" in out and "\nOTP Ж 世界 😀\n" in out
    assert "ID (8 bit) 5, part 1 of 2" in out and "ID (8 bit) 5, part 2 of 2" in out
    assert "4 SMS parts in 4 SMS sequences" in out


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    sender=st.one_of(
        st.from_regex(r"\+[1-9][0-9]{5,14}", fullmatch=True),
        st.text(alphabet=LETTERS, min_size=1, max_size=11),
    ),
    text=st.text(alphabet=LETTERS + " 0123456789.,!?ЖΩ世界", min_size=1, max_size=150),
)
def test_python_gsmmodem_decodes_our_deliver_pdus(sender: str, text: str) -> None:
    pdus = encode_deliver(sender, text, when=WHEN, smsc="+6281100000")
    assume(len(pdus) == 1)  # single parts here; multipart is checked with Gammu above
    decoded = decodeSmsPdu(pdus[0])
    assert decoded["type"] == "SMS-DELIVER"
    assert (decoded["number"], decoded["text"], decoded["smsc"]) == (sender, text, "+6281100000")
    assert decoded["time"].replace(tzinfo=None) == WHEN.replace(tzinfo=None)
