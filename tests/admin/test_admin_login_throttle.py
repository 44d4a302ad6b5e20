"""The admin's login uses the REST API's throttle: the wait on the page and in Retry-After,
the administrator's own address exempt from a lock of the user name, events in the
monitor without the password."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from admin_client import AdminClient

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

from otpbroker.web.admin.pages.monitor import event_json

GUESS = "admin-guess-Pa55"


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data")


def test_the_page_tells_the_wait_and_the_right_password_is_not_checked(admin, harness):
    attacker = AdminClient(harness.base)
    assert [attacker.login("owner", f"{GUESS}{n}") for n in range(5)] == [401] * 5
    attacker.get("/login")
    status, text, headers = attacker.post(
        "/login", {"username": "owner", "password": "owner-password-1"}
    )
    assert (status, headers["Retry-After"]) == (429, "1")
    assert "too many failed logins; try again in 1 s" in text


def test_guessing_one_name_from_many_addresses_cannot_lock_out_its_administrator(admin, harness):
    throttle = harness.broker.login_throttle
    harness.broker.store.update_settings({"auth.user_lockout_failures": 11})
    for n in range(11):  # another address each time (the service counts what the page tells)
        throttle.failed("admin", f"203.0.113.{n}", "owner")
    refused = throttle.refusal("admin", "192.0.2.8", "Owner")
    assert refused is not None and refused.scope == "user" and refused.retry_after == 900
    # the owner logged in from this address (the ``admin`` fixture) and still can
    assert AdminClient(harness.base).login("owner", "owner-password-1") == 303
    assert throttle.refusals()[("admin", "user")] == 1


def test_failed_logins_reach_the_monitor_and_metrics_without_the_password(admin, harness):
    client = AdminClient(harness.base)
    for n in range(6):
        client.login("owner", f"{GUESS}{n}")
    shown = [event_json(e, {}) for e in harness.broker.events.recent() if e.kind == "login"]
    outcomes = [(e["source_label"], e["user"], e["outcome"]) for e in shown]
    assert outcomes.count(("admin-login", "owner", "login_failed")) == 5
    assert ("admin-login", "owner", "throttled") in outcomes
    assert GUESS not in json.dumps(shown)
    _, metrics, _ = harness.request("/metrics", method="GET", auth=None)
    assert 'otpbroker_login_failures_total{realm="admin"} 5' in metrics
    assert 'otpbroker_login_refusals_total{realm="admin",scope="address"} 1' in metrics
