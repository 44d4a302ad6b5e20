"""The project's own driver against every personality, quiet and with its unsolicited noise."""

from __future__ import annotations

from pathlib import Path

import pytest

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.sim import PERSONALITY_NAMES, SimModem, personality_profile

from modem_waits import wait_ready, wait_until

TEXTS = ("Kode OTP Anda 123456", "OTP Ж 😀 世界", "B" * 200)
USSD_TEXT = "Sisa pulsa Rp 10.000. Aktif s/d 31-12-2030."


def started(tmp_path: Path, name: str, **fields: object) -> SimModem:
    profile = personality_profile(name, realistic=False, seed=21, **fields)
    return SimModem(profile, link_dir=tmp_path / "by-id").start()


@pytest.mark.parametrize("noise", [None, 0.05], ids=["quiet", "noisy"])
@pytest.mark.parametrize("name", PERSONALITY_NAMES)
def test_driver_identifies_sends_and_runs_ussd(name, noise, make_worker, tmp_path):
    sim = started(tmp_path, name, urc_interval=noise, urc_in_reply=0.5 if noise else 0.0)
    try:
        worker = make_worker(sim.port)
        status = wait_ready(worker)
        assert status.identity.imei == sim.imei
        assert status.identity.imsi == sim.profile.imsi
        assert status.identity.manufacturer == sim.profile.manufacturer
        assert status.network.registration == "home"
        for text in TEXTS:
            result = worker.submit_sms(encode_sms("+628126666666", text)).result(timeout=20)
            assert result.outcome is SendOutcome.SENT, result
        assert [d.text for d in sim.wait_for_deliveries(len(TEXTS))] == list(TEXTS)
        assert worker.submit_ussd("*888#").result(timeout=20) == USSD_TEXT
    finally:
        sim.stop()


@pytest.mark.parametrize(
    ("name", "conditions", "code"),
    [
        ("quectel-ec25", ("lte-no-sms:0.2",), "CMS500"),
        ("simcom-sim7600", ("sim-barred",), "CMS8"),
        ("huawei-e3131", ("no-credit",), "CMS50"),
        ("zte-mf667", ("no-smsc",), "CMS330"),
    ],
)
def test_driver_sees_the_network_refuse(name, conditions, code, make_worker, tmp_path):
    sim = started(tmp_path, name, conditions=conditions)
    try:
        worker = make_worker(sim.port)
        wait_ready(worker)
        result = worker.submit_sms(encode_sms("+628126666666", "Kode OTP Anda 123456")).result(
            timeout=20
        )
        assert (result.outcome, result.error_code) == (SendOutcome.FAILED, code), result
        assert sim.deliveries == []
    finally:
        sim.stop()


@pytest.mark.parametrize(
    ("conditions", "pin", "state"),
    [
        (("pin:2",), "1234", "ready"),
        (("puk",), "1234", "puk_required"),
        (("no-sim",), None, "no_sim"),
    ],
)
def test_driver_and_sim_conditions(conditions, pin, state, make_worker, tmp_path):
    sim = started(tmp_path, "simcom-sim800", conditions=conditions)
    try:
        worker = make_worker(sim.port, pin=pin)
        assert wait_until(lambda: worker.status.state == state, 10), worker.status
        assert sim.dialogue.state.card.puk_tries == 10
    finally:
        sim.stop()
