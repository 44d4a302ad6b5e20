"""An API user's sending defaults (expiry and priority) through the admin page."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

SHOP = ("shop", "shop-password-1")


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data")


def error_at(page: str, name: str) -> str:
    """The error shown inside the field block of ``name`` ("" when none)."""
    for block in page.split('<div class="field')[1:]:
        if f'name="{name}"' in block:
            found = re.search(r'<small class="error"[^>]*>(.*?)</small>', block, re.S)
            return html.unescape(found.group(1)) if found else ""
    raise AssertionError(f"no field {name}")


def shop(harness) -> dict:
    [record] = harness.broker.store.find("api_users", username=SHOP[0])
    return record


def test_the_defaults_are_set_shown_validated_and_kept(admin, harness) -> None:
    _, page, _ = admin.get("/api-users")
    assert 'name="default_ttl_seconds"' in page and 'name="default_priority"' in page
    status, text, _ = admin.post("/api-users", {
        "username": SHOP[0], "password": SHOP[1], "password2": SHOP[1],
        "default_ttl_seconds": "120", "default_priority": "bulk"})  # fmt: skip
    assert status == 303, text[:2000]
    record = shop(harness)
    assert (record["default_ttl_seconds"], record["default_priority"]) == (120, "bulk")
    assert harness.broker.api_users.terms_for(SHOP[0]).default_ttl == 120
    _, page, _ = admin.get("/api-users")
    assert "bulk, expiry 120 s" in page

    uid = record["id"]
    status, page, _ = admin.get(f"/api-users/{uid}/edit")
    assert 'value="120"' in page and '<option value="bulk" selected>' in page
    for ttl, error in (("ten", "must be a whole number of seconds"),
                       ("604801", "604800")):  # fmt: skip
        status, page, _ = admin.post(f"/api-users/{uid}", {
            "username": SHOP[0], "default_ttl_seconds": ttl, "default_priority": "otp"})  # fmt: skip
        assert status == 400 and error in error_at(page, "default_ttl_seconds"), page[-3000:]
    status, page, _ = admin.post(f"/api-users/{uid}", {
        "username": SHOP[0], "default_ttl_seconds": "60", "default_priority": "urgent"})  # fmt: skip
    assert status == 400 and "must be one of 'otp', 'bulk'" in error_at(page, "default_priority")
    assert (shop(harness)["default_ttl_seconds"], shop(harness)["default_priority"]) == (
        120,
        "bulk",
    )
    status, _, _ = admin.post(f"/api-users/{uid}", {"username": SHOP[0], "email": "a@b.example"})
    assert status == 303  # a form without them keeps them
    assert (shop(harness)["default_ttl_seconds"], shop(harness)["default_priority"]) == (
        120,
        "bulk",
    )
    status, _, _ = admin.post(f"/api-users/{uid}", {
        "username": SHOP[0], "default_ttl_seconds": "", "default_priority": "otp"})  # fmt: skip
    assert status == 303
    terms = harness.broker.api_users.terms_for(SHOP[0])
    assert (terms.default_ttl, terms.default_lane.value) == (None, "otp")  # blank: the device's
