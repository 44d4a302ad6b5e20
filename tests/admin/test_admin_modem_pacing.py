"""SIM pacing in the admin: the modem form's fields with their defaults and precise errors,
and the modems page's used/cap per window."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
from test_admin_modems import FORM, row_of, value_of

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness

from otpbroker.config.fields import PACING_FIELDS
from otpbroker.web.admin.modem_form import NEW_PACING

PACING = {"min_gap_seconds": "20", "gap_jitter_seconds": "7", "max_per_hour": "40",
          "max_per_day": "120", "max_recipients_per_month": "99"}  # fmt: skip


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    h.add_modem(max_per_day=5)
    h.add_user()
    h.start()
    yield h
    h.stop()


def test_a_new_modem_form_shows_the_record_defaults():
    assert {field.key: str(field.default) for field in PACING_FIELDS} == NEW_PACING


def test_pacing_is_set_in_the_form_and_checked_precisely(admin, harness):
    _, text, _ = admin.get("/modems/new")
    assert value_of(text, "max_per_day") == "150" and value_of(text, "min_gap_seconds") == "10"
    cases = (
        ({"min_gap_seconds": "3601"}, "min_gap_seconds", "between 0 and 3600, got 3601"),
        ({"max_per_hour": "-1"}, "max_per_hour", "must be a whole number"),
        ({"max_per_day": ""}, "max_per_day", "must be a whole number"),
    )
    for change, field, message in cases:
        status, text, _ = admin.post("/modems", {**FORM, **PACING, **change})
        assert status == 400, field
        error = re.search(rf'<small class="error" id="e-{field}">([^<]*)</small>', text)
        assert error and message in html.unescape(error.group(1)), (field, error)
    status, _, _ = admin.post("/modems", {**FORM, **PACING, "name": "paced"})
    assert status == 303
    [record] = [m for m in harness.broker.store.list("modems") if m["name"] == "paced"]
    assert {key: str(record[key]) for key in PACING} == PACING
    _, text, _ = admin.get(f"/modems/{record['id']}/edit")
    assert value_of(text, "max_recipients_per_month") == "99"


def test_the_modems_page_shows_used_and_cap_per_window(admin, harness):
    for n in range(2):
        status, body, _ = harness.send_sms("08126666666", f"Kode OTP {n}")
        assert status == 200, body
    row = row_of(admin.get("/modems")[1], "sim 0")
    assert "day 2/5" in row and "hour not counted (no cap)" in row
    assert "month not counted (no cap)" in row
    assert "day resets " in row
