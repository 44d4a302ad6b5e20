"""The admin's fleet page on a running Broker (one emulated modem) with the shared ledger on
a Redis of the test's own: the devices' heartbeats (this one and another), which device sent
a message id, and the consumer list when no management API is set. Never a text."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
from admin_client import AdminClient
from broker_harness import running_broker
from redis_rig import RedisServer

from otpbroker.domain.fleet import DeviceBeat, ModemBeat
from otpbroker.fleet.redis_ledger import RedisSharedLedger


@pytest.fixture
def harness(tmp_path: Path, redis_server: RedisServer):
    for h in running_broker(tmp_path / "data", with_user=True):
        h.broker.store.update_settings({
            "fleet.enabled": True, "fleet.device_name": "pi-page",
            "fleet.ledger_url": redis_server.url,
        })  # fmt: skip
        yield h


def text(page: str) -> str:
    """The page's words, tags removed, white space collapsed."""
    return (
        " ".join(re.sub(r"<[^>]+>", " ", page).split())
        .replace(" ;", ";")
        .replace(" ,", ",")
        .replace(" :", ":")
        .replace(" .", ".")
    )


def page(harness, path: str = "/fleet") -> str:
    """The page as the first administrator sees it (created on the first call)."""
    admin = getattr(harness, "admin", None)
    if admin is None:
        admin = harness.admin = AdminClient(harness.base)
        admin.setup(harness.code)
    status, body, _headers = admin.get(path)
    assert status == 200
    return html.unescape(body)


def test_the_page_shows_the_devices_and_who_sent_an_id(harness, redis_server):
    status, reply, _ = harness.send_sms("08126666666", "Kode 482913", "page-1")
    assert status == 200 and reply["response_code"] == "0000", reply
    harness.broker.fleet.beat()  # this device's heartbeat now (the thread beats every 10 s)
    other = RedisSharedLedger.at(redis_server.url)
    try:
        other.beat(DeviceBeat("pi-other", 1.0e9, (ModemBeat("m9", "ready", 7, 1, 0),)), 60)
    finally:
        other.close()
    shown = page(harness, "/fleet?id=page-1")
    words = text(shown)
    assert "This device: pi-page; shared ledger reachable." in words, words[-900:]
    assert "pi-other" in words and "m9 ready 7 1 0" in words  # the other device's heartbeat
    modem = harness.broker.pool.statuses()[0]
    assert f"{modem.modem_id} {modem.state} 1 0 0" in words  # this device: one sent
    assert "Message id page-1: device pi-page, sent, at" in words
    assert "Set fleet.management_url" in words
    assert "Kode" not in shown and "6666666" not in shown


def test_an_id_nobody_holds_and_an_unreachable_store(harness):
    assert "No device holds message id" in page(harness, "/fleet?id=never-sent")
    harness.broker.store.update_settings({"fleet.ledger_url": "redis://127.0.0.1:1/0"})
    shown = page(harness, "/fleet?id=x")
    assert "Could not read the heartbeats" in shown
    assert "The shared ledger could not be read" in shown
