"""Balance checks in a running broker: the modems page shows them ("Check now" runs one on
the emulated modem's job queue), ``/metrics`` and ``/health/ready`` carry them, and the
data directory never holds the reply."""

from __future__ import annotations

import html
import re
import sys
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from admin_client import AdminClient
from broker_harness import BrokerHarness

from otpbroker.modem.sim.balance_replies import with_balance

GENERIC = {"personality": "generic", "manufacturer": "OTP-Broker", "model": "GENERIC-3GPP"}
UNTIL = (date.today() + timedelta(days=200)).isoformat()


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path_factory.mktemp("balance") / "data")
    h.add_modem(
        name="tsel",
        balance_ussd="*888#",
        balance_rule="telkomsel",
        balance_min=5000,
        balance_hold=True,
        profile={**GENERIC, "ussd": with_balance({}, f"telkomsel:3000:{UNTIL}")},
    )
    h.add_modem(
        name="tri",
        balance_ussd="*111#",
        balance_rule="three",
        default_modem=True,
        profile={**GENERIC, "ussd": with_balance({}, f"three:123456:{UNTIL}")},
    )
    h.add_user()
    h.start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def owner(harness: BrokerHarness) -> AdminClient:
    client = AdminClient(harness.base)
    client.setup(harness.broker.setup_code.read())
    return client


def row_of(page: str, name: str) -> str:
    for row in re.findall(r"<tr>.*?</tr>", page, re.S):
        if f"<strong>{name}</strong>" in row:
            return html.unescape(row)
    raise AssertionError(f"no row for {name}")


def test_check_now_shows_the_balance_holds_and_reports(
    harness: BrokerHarness, owner: AdminClient
) -> None:
    tsel, tri = harness.modem_ids
    page = owner.get("/modems")[1]
    assert "not checked yet" in row_of(page, "tsel") and "Check now" in row_of(page, "tsel")
    for modem_id in (tsel, tri):
        status, _, _ = owner.post(f"/modems/{modem_id}/check-balance")
        assert status in (200, 303)
        page = owner.get("/modems")[1]
    low, good = row_of(page, "tsel"), row_of(page, "tri")
    assert ">low<" in low and "Rp 3.000" in low and "out: sim_account" in low
    assert ">ok<" in good and "Rp 123.456" in good and f"active until {UNTIL}" in good

    with urllib.request.urlopen(harness.base + "/metrics", timeout=10) as response:
        text = response.read().decode()
    samples = {(s.name, s.labels.get("modem")): s.value
               for f in text_string_to_metric_families(text) for s in f.samples}  # fmt: skip
    assert samples[("otpbroker_sim_balance", tri)] == 123456
    assert samples[("otpbroker_sim_balance", tsel)] == 3000
    assert samples[("otpbroker_sim_active_days_left", tri)] >= 199

    ready = harness.broker.readiness.check()
    reasons = {m.id: m.reason for m in ready.modems}
    assert "credit below minimum" in reasons[tsel] and ready.ready

    for path in harness.data_dir.rglob("*"):
        if path.is_file():
            assert b"Pulsa" not in path.read_bytes(), path


def test_check_now_on_an_unknown_modem_is_not_found(owner: AdminClient) -> None:
    owner.get("/modems")
    assert owner.post("/modems/nope/check-balance")[0] == 404


FORM = {
    "name": "Axis stick", "port": "/dev/ttyUSB9", "imei": "", "prefixes": "", "baud_rate": "115200",
    "parity": "N", "data_bits": "8", "start_bits": "1", "stop_bits": "1", "active": "",
    "dial_number": "*99#", "dial_command": "ATD", "balance_ussd": "*888#", "balance_rule": "axis",
    "balance_regex": "", "balance_interval_hours": "12", "balance_min": "2000",
    "expiry_warn_days": "5", "balance_hold": "1",
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"balance_ussd": "*888"}, "balance_ussd", "ending with '#'"),
        ({"balance_rule": "custom", "balance_regex": r"(\d+)+"}, "balance_regex", "quantified"),
        ({"balance_rule": "custom", "balance_regex": "(?P<balance>"}, "balance_regex", "compile"),
        ({"balance_interval_hours": "0"}, "balance_interval_hours", "1"),
    ],
)
def test_the_form_refuses_bad_balance_settings(
    harness: BrokerHarness, owner: AdminClient, change: dict[str, str], field: str, words: str
) -> None:
    before = harness.broker.store.list("modems")
    owner.get("/modems/new")
    status, text, _ = owner.post("/modems", {**FORM, **change})
    assert status == 400
    error = re.search(rf'<small class="error" id="e-{field}">([^<]*)</small>', text)
    assert error and words in html.unescape(error.group(1)), (field, error)
    assert harness.broker.store.list("modems") == before


def test_the_form_stores_balance_settings(harness: BrokerHarness, owner: AdminClient) -> None:
    owner.get("/modems/new")
    assert owner.post("/modems", FORM)[0] == 303
    [record] = [r for r in harness.broker.store.list("modems") if r["name"] == "Axis stick"]
    assert (record["balance_ussd"], record["balance_rule"], record["balance_min"]) == (
        "*888#", "axis", 2000)  # fmt: skip
    assert (record["balance_interval_hours"], record["expiry_warn_days"]) == (12, 5)
    assert record["balance_hold"] is True
    text = owner.get(f"/modems/{record['id']}/edit")[1]
    assert 'value="*888#"' in text and '<option value="axis" selected' in text
