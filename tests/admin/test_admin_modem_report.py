"""The modem's "Download diagnostic report": a real broker with an emulated Quectel modem.

The owner asks for the report with a USSD code and a test SMS; the file comes back as a
download, holds none of the SIM's identifiers or the test number, the test SMS reached the
emulated handset, the modem is set up again afterwards, and the report replays as a modem
the driver identifies. Bad input gets the form again with the reason.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "modem"))
from broker_harness import BrokerHarness

from otpbroker.domain.field_report import loads
from otpbroker.modem.field_reports import TEST_TEXT
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.sim.replay import ReplayModem
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker

from modem_waits import wait_ready

QUECTEL = {"personality": "quectel-ec25", "manufacturer": "Quectel", "model": "EC25",
           "revision": "EC25EFAR06A03M4G", "imsi": "510109876543210",
           "msisdn": "+6281298765432", "smsc": "+6281100000123"}  # fmt: skip
RECIPIENT = "+6285712344321"


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path_factory.mktemp("report") / "data")
    h.add_modem(name="stick", default_modem=True, profile=QUECTEL)
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def owner(harness) -> AdminClient:
    client = AdminClient(harness.base)
    client.setup(harness.broker.setup_code.read())
    return client


def test_the_modems_page_links_the_report_form(harness, owner):
    modem_id = harness.modem_ids[0]
    status, page, _ = owner.get("/modems")
    assert status == 200 and f'href="/modems/{modem_id}/report"' in page
    status, page, _ = owner.get(f"/modems/{modem_id}/report")
    assert status == 200 and "Download diagnostic report" in page
    assert 'name="ussd"' in page and 'name="ussd_text"' in page and 'name="sms_to"' in page


def test_the_report_downloads_anonymised_and_the_modem_comes_back(harness, owner):
    sim, modem_id = harness.sims[0], harness.modem_ids[0]
    owner.get(f"/modems/{modem_id}/report")
    status, body, headers = owner.post(f"/modems/{modem_id}/report",
                                       {"ussd": "*888#", "sms_to": RECIPIENT})  # fmt: skip
    assert status == 200, body[:500]
    assert headers["Content-Type"].startswith("application/json")
    assert re.fullmatch(r'attachment; filename="field-report-ec25-\d{4}-\d\d-\d\d\.json"',
                        headers["Content-Disposition"])  # fmt: skip
    report = loads(body.encode())
    for secret in (sim.imei, QUECTEL["imsi"], QUECTEL["msisdn"], QUECTEL["smsc"], RECIPIENT):
        assert secret.lstrip("+") not in body, secret
    assert "Sisa pulsa" not in body and TEST_TEXT not in body
    assert report.options == {"ussd_code": "*888#", "ussd_text_included": False,
                              "test_sms": True}  # fmt: skip
    [delivery] = sim.wait_for_deliveries(1, timeout=20)
    assert (delivery.to, delivery.text) == (RECIPIENT, TEST_TEXT)
    harness.wait_modems(timeout=30)  # set up again after lending its port
    assert harness.broker.pool.statuses()[0].connected
    with ReplayModem(report, scale=0) as replay:
        worker = ModemWorker("replayed", SerialSettings(port=replay.port), ModemOptions())
        worker.start()
        try:
            status_now = wait_ready(worker)
            assert status_now.identity.model == "EC25" and status_now.vendor == "quectel"
            assert status_now.identity.imei == replay.imei != sim.imei
        finally:
            worker.stop()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"sms_to": "0812345"}, "give it in international form"),
        ({"ussd": "*88 8#;AT"}, "only digits, * # and +"),
    ],
)
def test_bad_input_gets_the_form_again_with_the_reason(harness, owner, form, message):
    modem_id = harness.modem_ids[0]
    owner.get(f"/modems/{modem_id}/report")
    status, page, _ = owner.post(f"/modems/{modem_id}/report", form)
    assert status == 400 and message in page


def test_an_unknown_modem_is_not_found(owner):
    owner.get("/modems")
    status, _, _ = owner.post("/modems/nope/report", {})
    assert status == 404
