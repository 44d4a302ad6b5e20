"""Independent AT clients accept every personality of the emulator.

Gammu (the Debian program) identifies, sends GSM 7-bit, Unicode and a 300-character
multipart message and runs USSD on every profile; python-gsmmodem-new (a Python client with
its own AT dialogue and PDU codec) sends through three of them. What the emulated handsets
received must be exactly what was sent. Gammu's own log (``gammu.log`` in the test's
temporary folder) shows every command it asked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gammu_client import batch, config, getussd, log_of
from gsmmodem.modem import GsmModem

from otpbroker.modem.sim import PERSONALITY_NAMES, SimModem, personality_profile

RECIPIENT = "+628126666666"
GSM7 = "Kode OTP Anda 123456 @ [promo] 5EUR"
UNICODE = "OTP Ж 世界 😀"
LONG = ("Kode OTP Anda 123456, jangan berikan kepada siapa pun. " * 6)[:300]
USSD_TEXT = "Sisa pulsa Rp 10.000. Aktif s/d 31-12-2030."


def start(name: str, tmp_path: Path) -> SimModem:
    """An emulated modem of personality ``name`` with zero delays."""
    profile = personality_profile(name, realistic=False, seed=7)
    return SimModem(profile, link_dir=tmp_path / "by-id").start()


@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_gammu_identifies_sends_and_runs_ussd(name: str, tmp_path: Path) -> None:
    sim = start(name, tmp_path)
    try:
        rc = config(sim.port, tmp_path)
        result = batch(
            rc,
            [
                "identify",
                f'sendsms TEXT {RECIPIENT} -text "{GSM7}"',
                f'sendsms TEXT {RECIPIENT} -unicode -text "{UNICODE}"',
                f'sendsms TEXT {RECIPIENT} -len 300 -text "{LONG}"',
            ],
        )
        assert result.returncode == 0, result.stdout + result.stderr + log_of(tmp_path)
        assert re.search(rf"^IMEI\s+: {sim.imei}$", result.stdout, re.M), result.stdout
        assert re.search(rf"^Model\s+: .*{re.escape(sim.profile.model)}", result.stdout, re.M)
        deliveries = sim.wait_for_deliveries(3, timeout=10)
        assert [(d.to, d.text, d.parts) for d in deliveries] == [
            (RECIPIENT, GSM7, 1),
            (RECIPIENT, UNICODE, 1),
            (RECIPIENT, LONG, 2),
        ]
        output = getussd(rc, "*888#")
        assert f'Service reply        : "{USSD_TEXT}"' in output, output + log_of(tmp_path)
    finally:
        sim.stop()


@pytest.mark.parametrize("name", ["generic", "quectel-ec25", "simcom-sim800"])
def test_python_gsmmodem_sends(name: str, tmp_path: Path) -> None:
    sim = start(name, tmp_path)
    client = GsmModem(sim.port, 115200)
    try:
        client.connect()
        for text in (GSM7, "OTP Ж 世界", LONG):  # this client raises on emoji (its own bug)
            client.sendSms(RECIPIENT, text)
    finally:
        client.close()
        sim.stop()
    deliveries = sim.wait_for_deliveries(3, timeout=10)
    assert [(d.to, d.text) for d in deliveries] == [
        (RECIPIENT, GSM7),
        (RECIPIENT, "OTP Ж 世界"),
        (RECIPIENT, LONG),
    ]
    assert deliveries[2].parts == 2


@pytest.mark.parametrize(
    ("name", "condition", "error"),
    [("quectel-ec25", "lte-no-sms:1", "error 500"), ("simcom-sim7600", "sim-barred", "error 8")],
)
def test_gammu_sees_the_network_refuse(
    name: str, condition: str, error: str, tmp_path: Path
) -> None:
    profile = personality_profile(name, realistic=False, seed=7, conditions=(condition,))
    with SimModem(profile, link_dir=tmp_path / "by-id") as sim:
        rc = config(sim.port, tmp_path)
        result = batch(rc, ["getsecuritystatus", f'sendsms TEXT {RECIPIENT} -text "{GSM7}"'])
        assert error in result.stdout, result.stdout + log_of(tmp_path)
        assert "Nothing to enter" in result.stdout  # the SIM is fine: the network refuses
        assert sim.deliveries == []
