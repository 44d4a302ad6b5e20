"""The autofill settings on the SMS setting page: labelled, saved, errors at their fields."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from test_admin_settings import errors, form_of, value_of

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

HASH = "FA+9qCX9VSu"


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


def test_the_autofill_settings_are_labelled(admin):
    status, page, _ = admin.get("/sms-settings")
    assert status == 200
    for label in (
        "Autofill site (@domain #code line)",
        "Autofill iframe site",
        "Android app hash (SMS Retriever)",
    ):
        assert label in page, label


def test_valid_autofill_settings_are_stored_and_shown(admin, harness):
    form = form_of(admin.get("/sms-settings")[1])
    form.update(
        {"otp.domain": "example.com", "otp.iframe_domain": "pay.example.net", "otp.app_hash": HASH}
    )
    assert admin.post("/sms-settings", form)[0] == 303
    store = harness.broker.store
    assert (store.get("otp.domain"), store.get("otp.app_hash")) == ("example.com", HASH)
    page = admin.get("/sms-settings")[1]
    assert value_of(page, "otp.iframe_domain") == "pay.example.net"


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"otp.domain": "https://example.com/login"}, "otp.domain",
         "give the host name only, without a scheme such as https://"),
        ({"otp.iframe_domain": "pay.example.net"}, "otp.iframe_domain",
         "needs otp.domain: the iframe's site follows the code on its line"),
        ({"otp.app_hash": "FA+9qCX9VS"}, "otp.app_hash", "must be exactly 11 characters, got 10"),
        ({"otp.domain": "example.com", "otp.template": "Kodunuz {otp} \u015fimdi"}, "otp.template",
         "character '\u015f' (U+015F) is not in the GSM 7-bit alphabet"),
    ],
)  # fmt: skip
def test_an_invalid_autofill_setting_is_shown_at_its_field_and_changes_nothing(
    admin, harness, changes, key, message
):
    before = harness.broker.store.settings()
    form = form_of(admin.get("/sms-settings")[1])
    form.update(changes)
    status, page, _ = admin.post("/sms-settings", form)
    assert status == 400
    shown = errors(page)
    assert list(shown) == [key], shown
    assert message in shown[key]
    assert harness.broker.store.settings() == before
