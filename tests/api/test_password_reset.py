"""Forgotten administrator password: a new one by SMS, only the hash kept, no enumeration."""

from __future__ import annotations

import re

import pytest
from broker_harness import BrokerHarness

from otpbroker.services.password_reset import GENERIC_ANSWER


@pytest.fixture
def harness(tmp_path):
    h = BrokerHarness(tmp_path / "data")
    sim, _ = h.add_modem()
    admin = h.broker.store.add(
        "admins", {"username": "owner", "phone": "08126666666", "email": "owner@example.com"}
    )
    h.broker.store.set_password("admins", admin["id"], "old-password-1")
    h.start()
    h.sim, h.admin_id = sim, admin["id"]
    yield h
    h.stop()


def test_reset_by_sms_sends_a_new_password_and_stores_only_its_hash(harness):
    result = harness.broker.password_reset.reset("owner", via="sms")
    assert (result.message, result.sent_via) == (GENERIC_ANSWER, "sms")
    [delivery] = harness.sim.wait_for_deliveries(1)
    assert delivery.to == "+628126666666"
    password = re.search(r"password is (\S+)$", delivery.text).group(1)
    store = harness.broker.store
    assert store.check_password("admins", harness.admin_id, password)
    assert not store.check_password("admins", harness.admin_id, "old-password-1")
    assert password.encode() not in (harness.data_dir / "config.json").read_bytes()


def test_unknown_admin_and_cooldown_get_the_same_answer_and_send_nothing(harness):
    assert harness.broker.password_reset.reset("nobody").message == GENERIC_ANSWER
    assert harness.broker.password_reset.reset("owner@example.com").sent_via == "sms"
    again = harness.broker.password_reset.reset("owner")
    assert (again.message, again.sent_via) == (GENERIC_ANSWER, None)
    assert len(harness.sim.wait_for_deliveries(1)) == 1


def test_failed_send_keeps_the_old_password(harness):
    harness.sim.inject("cms-error", code=500, count=10)
    assert harness.broker.password_reset.reset("owner").sent_via is None
    assert harness.broker.store.check_password("admins", harness.admin_id, "old-password-1")


def test_mail_reset_without_mail_configured_sends_nothing(harness):
    assert harness.broker.password_reset.reset("owner", via="mail").sent_via is None
    assert harness.broker.store.check_password("admins", harness.admin_id, "old-password-1")
