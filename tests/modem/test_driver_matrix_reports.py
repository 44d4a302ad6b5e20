"""The driver's matrix against every field report kept in tests/modem/reports/.

Each report is replayed on a real pty (``modem-sim --replay``) and joins one rig like a
personality's modem does (its own prefix, the generic fallback behind): the real driver
identifies it from the recorded answers, finds its vendor and home SMS path, sends single,
multipart and Unicode messages through it (the replay checks and decodes each PDU) and runs
the recorded USSD code. A command a report does not have is answered ``ERROR``; the modem
stays usable after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from matrix_rigs import HOME_PATH, VENDOR, Rig, start_rig

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.sim.profile import default_ussd
from otpbroker.modem.sim.replay import ReplayModem, load_report

REPORTS = sorted((Path(__file__).parent / "reports").glob("*.json"))
NAMES = [path.stem for path in REPORTS]  # each named after the profile it was made from


@pytest.fixture(scope="module")
def rig(tmp_path_factory) -> Iterator[Rig]:
    link_dir = tmp_path_factory.mktemp("matrix-reports")
    replays = {path.stem: ReplayModem(load_report(path), scale=0, link_dir=link_dir,
                                      name=path.stem).start() for path in REPORTS}  # fmt: skip
    started = start_rig(link_dir, {}, started=replays)
    yield started
    started.stop()


def test_at_least_three_reports_are_kept():
    assert len(REPORTS) >= 3


@pytest.mark.parametrize("name", NAMES)
def test_identity_vendor_and_home_sms_path(rig, name):
    status, replay = rig.status(name), rig.sims[name]
    assert status.identity.imei == replay.imei and status.identity.model == replay.model
    assert status.identity.imsi and status.identity.imsi.startswith("00101")  # a placeholder
    assert status.vendor == VENDOR[name]
    assert status.sms_path is not None and status.sms_path.code == HOME_PATH[name]
    assert status.sms_path.available and rig.route(name).healthy


@pytest.mark.parametrize("name", NAMES)
def test_single_multipart_and_unicode_sends(rig, name):
    replay = rig.sims[name]
    texts = [
        "Kode OTP Anda 482913, berlaku 5 menit.",
        "Tagihan [INV-77] {lunas} ~ ^ | € " + "B" * 190,  # GSM-7 escapes, 2 parts
        "Kode: 9876 😀 " + "Привет мир, " * 8,  # UCS2 with a surrogate pair, 2 parts
    ]
    before = len(replay.deliveries)
    for text in texts:
        delivery = rig.send(name, text)
        assert delivery.outcome is SendOutcome.SENT, delivery
        assert delivery.modem_id == name and delivery.error_class is None
    got = replay.wait_for_deliveries(before + 3, timeout=20)[before:]
    assert [d.text for d in got] == texts and [d.parts for d in got] == [1, 2, 2]
    assert {d.to for d in got} == {"+" + rig.number(name)}


@pytest.mark.parametrize("name", NAMES)
def test_the_recorded_ussd_code_answers_its_recorded_reply(rig, name):
    assert rig.pool.ussd(name, "*888#", timeout=20) == default_ussd()["*888#"].text


@pytest.mark.parametrize("name", NAMES)
def test_a_code_not_in_the_report_fails_and_the_modem_stays_usable(rig, name):
    with pytest.raises(Exception, match="ERROR"):
        rig.pool.ussd(name, "*555#", timeout=20)
    rig.wait_ready(name, timeout=20)
    assert rig.send(name, "after the refusal").outcome is SendOutcome.SENT
