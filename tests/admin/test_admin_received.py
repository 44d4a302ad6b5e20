"""The Received messages page and the monitor's inbound rows, through a running broker and
its emulated modem: operators' messages in full, people's masked, nothing on disk."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

OPERATOR_TEXT = "Sisa pulsa Rp 3000. Aktif s/d 31-12-2030"
PERSON_TEXT = "STOP kirim lagi, rahasia-orang"


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


def wait_for(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_received_messages_page(admin, harness):
    harness.wait_modems()
    sim = harness.sims[0]
    sim.receive_sms("Telkomsel", OPERATOR_TEXT)
    sim.receive_sms("+6281234567890", PERSON_TEXT)
    inbound = harness.broker.two_way.inbound
    assert wait_for(lambda: inbound.received == 2), inbound.received
    assert wait_for(lambda: sim.stored_messages() == 0)
    status, page, _ = admin.get("/received")
    assert status == 200 and '<a href="/received"' in admin.get("/")[1]
    assert OPERATOR_TEXT in page and "Telkomsel" in page
    assert "rahasia-orang" not in page and "6281234567890" not in page
    assert "+628********90" in page and f"({len(PERSON_TEXT)} characters)" in page
    assert "style=" not in page and "<script>" not in page
    # The monitor lists both, masked, as received SMS; the STOP rule is off by default.
    rows = [e for e in harness.broker.events.recent() if e.kind == "inbound"]
    assert sorted(e.outcome for e in rows) == ["received", "received"]
    status, monitor, _ = admin.get("/monitor")
    assert status == 200 and "+628********90" in monitor and "received" in monitor
    assert "rahasia-orang" not in monitor and OPERATOR_TEXT not in monitor
    assert harness.broker.store.list("blocklist") == []
    written = b"".join(p.read_bytes() for p in harness.data_dir.rglob("*") if p.is_file())
    assert OPERATOR_TEXT.encode() not in written and b"rahasia-orang" not in written


def test_stop_rule_through_the_broker(admin, harness):
    harness.wait_modems()
    harness.broker.store.update_settings({"inbound.stop_keywords": ["STOP"]})
    harness.sims[0].receive_sms("+6281234567890", PERSON_TEXT)
    assert wait_for(lambda: harness.broker.store.list("blocklist"))
    [entry] = harness.broker.store.list("blocklist")
    assert (entry["msisdn"], entry["source"]) == ("6281234567890", "inbound")
    status, page, _ = admin.get("/blocklist")
    assert status == 200 and '<td data-label="Blocked by">inbound</td>' in page


def test_the_page_says_when_reading_is_off(admin, harness):
    harness.broker.store.update_settings({"inbound.enabled": False})
    status, page, _ = admin.get("/received")
    assert status == 200 and "Reading received SMS is off" in page
    assert "No message from an operator since the start." in page
