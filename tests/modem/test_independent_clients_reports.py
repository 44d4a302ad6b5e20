"""Gammu against every field report kept in tests/modem/reports/.

The replayed modem must satisfy an AT client it was not written for: Gammu identifies it,
sends GSM 7-bit, Unicode and a 300-character multipart message and runs the recorded USSD
code, as it does against the emulator's personalities (``test_independent_clients.py``).

Gammu writes one vendor setting when it connects to a Huawei (``AT^PORTSEL=1``) or ZTE
(``AT+ZCDRUN=8``) modem. The report's script only reads those (they may be kept in the
modem's memory), so against those reports Gammu stops there: the test checks that it stops
at exactly that command, answered ``ERROR`` as "not in the report", after every command it
asked before was answered from the report.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from gammu_client import batch, config, getussd, log_of

from otpbroker.modem.sim.replay import ReplayModem, load_report

REPORTS = sorted((Path(__file__).parent / "reports").glob("*.json"))
RECIPIENT = "+628126666666"
GSM7 = "Kode OTP Anda 123456 @ [promo] 5EUR"
UNICODE = "OTP Ж 世界 😀"
LONG = ("Kode OTP Anda 123456, jangan berikan kepada siapa pun. " * 6)[:300]
USSD_TEXT = "Sisa pulsa Rp 10.000. Aktif s/d 31-12-2030."
VENDOR_SETUP = {"huawei": "AT^PORTSEL=1", "zte": "AT+ZCDRUN=8"}
GAMMU_PROBES = {"AT+MODE=2"}
"""Asked by Gammu of every modem, refused by most: not in the script, ERROR is right."""


def refused(caplog) -> list[str]:
    return re.findall(r"'([^']*)' is not in the report", caplog.text)


@pytest.mark.parametrize("path", REPORTS, ids=[p.stem for p in REPORTS])
def test_gammu_identifies_sends_and_runs_ussd(path: Path, tmp_path: Path, caplog) -> None:
    report = load_report(path)
    maker = str(report.modem["manufacturer"]).lower()
    setup = next((cmd for vendor, cmd in VENDOR_SETUP.items() if vendor in maker), None)
    caplog.set_level(logging.WARNING, logger="otpbroker.modem.sim.replay_answers")
    with ReplayModem(report, scale=0, link_dir=tmp_path / "by-id") as replay:
        rc = config(replay.port, tmp_path)
        result = batch(rc, ["identify", f'sendsms TEXT {RECIPIENT} -text "{GSM7}"',
                            f'sendsms TEXT {RECIPIENT} -unicode -text "{UNICODE}"',
                            f'sendsms TEXT {RECIPIENT} -len 300 -text "{LONG}"'])  # fmt: skip
        if setup is not None:
            assert result.returncode != 0 and replay.deliveries == []
            assert set(refused(caplog)) == GAMMU_PROBES | {setup}, caplog.text
            assert f'1 "{setup}"\n2 "ERROR"' in log_of(tmp_path)
            return
        assert result.returncode == 0, result.stdout + result.stderr + log_of(tmp_path)
        assert re.search(rf"^IMEI\s+: {replay.imei}$", result.stdout, re.M), result.stdout
        assert re.search(rf"^Model\s+: .*{re.escape(replay.model)}", result.stdout, re.M)
        deliveries = replay.wait_for_deliveries(3, timeout=10)
        assert [(d.to, d.text, d.parts) for d in deliveries] == [
            (RECIPIENT, GSM7, 1), (RECIPIENT, UNICODE, 1), (RECIPIENT, LONG, 2)]  # fmt: skip
        output = getussd(rc, "*888#")
        assert f'Service reply        : "{USSD_TEXT}"' in output, output + log_of(tmp_path)
    assert set(refused(caplog)) <= GAMMU_PROBES, caplog.text
