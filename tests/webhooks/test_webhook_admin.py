"""The admin's Webhooks page, on a real broker: add (bad URLs refused with the reason,
nothing stored; the secret shown once), a test event a loopback receiver can verify with
the shown secret, show and regenerate the secret, edit, deactivate, delete, and the dead
letters with "retry now"."""

from __future__ import annotations

import html
import re
import sys
import time
from pathlib import Path

import pytest
from waiting import wait_until

from otpbroker.services.webhook_signing import verify

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
from admin_client import AdminClient
from broker_harness import running_broker

SECRET = re.compile(r'<code class="secret">([0-9a-f]{64})</code>')


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


@pytest.fixture
def admin(harness):
    client = AdminClient(harness.base)
    client.setup(harness.code)
    return client


def add_form(url: str, **extra: str) -> dict[str, str]:
    return {"owner": "app", "url": url, "event_status": "on", "active": "on", **extra}


def stored(harness) -> list[dict]:
    harness.broker.store.refresh()
    return harness.broker.store.list("webhooks")


def test_bad_urls_are_refused_with_the_reason_and_nothing_is_stored(harness, admin):
    status, text, _ = admin.get("/webhooks")
    assert status == 200 and 'href="/webhooks"' in text and "No webhook yet" in text
    for url, why in (
        ("ftp://example.com/x", "must start with http:// or https://, not ftp"),
        ("http://127.0.0.1:9/x", "resolves to the loopback address 127.0.0.1"),
        ("http://169.254.169.254/", "the cloud metadata address 169.254.169.254"),
        ("https://me:pw@example.com/", "must not carry a user name or password"),
    ):
        status, text, _ = admin.post("/webhooks", add_form(url))
        assert status == 400 and why in html.unescape(text), (url, text[-3000:])
    status, text, _ = admin.post("/webhooks", {"owner": "app", "url": "http://127.0.0.1:9/",
                                               "allow_private_address": "on"})  # fmt: skip
    assert status == 400 and "at least one event kind" in text
    assert stored(harness) == []
    status, _, _ = admin.post("/webhooks", add_form("http://127.0.0.1:9/"), csrf=False)
    assert status == 403 and stored(harness) == []


def test_add_show_the_secret_once_send_a_test_event_and_regenerate(harness, admin, receivers):
    receiver = receivers()
    status, text, _ = admin.post("/webhooks", add_form(receiver.url, allow_private_address="on"))
    assert status == 200, text[-2000:]
    secret = SECRET.search(text).group(1)
    [record] = stored(harness)
    assert record["secret"] == secret and record["owner"] == "app"
    status, text, _ = admin.get("/webhooks")
    assert receiver.url in text and secret not in text  # never in the list
    admin.post(f"/webhooks/{record['id']}/test")
    assert wait_until(lambda: len(receiver.snapshot()) == 1)
    got = receiver.snapshot()[0]
    headers = got.headers
    assert got.event["source"] == "test"
    assert verify(secret, headers["x-otpb-timestamp"], got.body, headers["x-otpb-signature"],
                  time.time())  # fmt: skip
    status, text, _ = admin.post(f"/webhooks/{record['id']}/secret")
    assert SECRET.search(text).group(1) == secret
    status, text, _ = admin.post(f"/webhooks/{record['id']}/regenerate")
    fresh = SECRET.search(text).group(1)
    assert fresh != secret and stored(harness)[0]["secret"] == fresh


def test_edit_deactivate_and_delete(harness, admin, receivers):
    receiver = receivers()
    admin.post("/webhooks", add_form(receiver.url, allow_private_address="on"))
    [record] = stored(harness)
    status, text, _ = admin.get(f"/webhooks/{record['id']}/edit")
    assert status == 200 and "Edit webhook" in text
    form = add_form(receiver.url + "2", allow_private_address="on", event_inbound="on")
    status, _, _ = admin.post(f"/webhooks/{record['id']}", form)
    assert status == 303
    assert stored(harness)[0]["events"] == ["status", "inbound"]
    assert stored(harness)[0]["url"].endswith("/hook2")
    private = {key: value for key, value in form.items() if key != "allow_private_address"}
    status, text, _ = admin.post(
        f"/webhooks/{record['id']}", {**private, "url": "http://10.0.0.1/"}
    )
    assert status == 400 and "resolves to the private address 10.0.0.1" in text
    assert stored(harness)[0]["url"].endswith("/hook2")
    admin.post(f"/webhooks/{record['id']}/deactivate")
    assert stored(harness)[0]["active"] is False
    admin.post(f"/webhooks/{record['id']}/delete")
    assert stored(harness) == []
    status, _, _ = admin.post(f"/webhooks/{record['id']}/test")
    assert status == 404


def test_dead_letters_are_listed_and_retry_now_delivers(harness, admin, receivers):
    harness.broker.store.set("webhooks.max_attempts", 1)
    receiver = receivers()
    receiver.answer = 502
    admin.post("/webhooks", add_form(receiver.url, allow_private_address="on"))
    [record] = stored(harness)
    admin.post(f"/webhooks/{record['id']}/test")
    admin.post(f"/webhooks/{record['id']}/test")
    assert wait_until(lambda: len(harness.broker.webhooks.dead_letters()) == 2)
    status, text, _ = admin.get("/webhooks")
    assert "answered HTTP 502" in text and "Retry all now (2)" in text
    letter = harness.broker.webhooks.dead_letters()[-1]
    receiver.answer = "ok"
    admin.post(f"/webhook-dead-letters/{letter['id']}/retry")
    assert wait_until(lambda: receiver.snapshot()[-1].event_id == letter["event_id"])
    admin.get("/webhooks")
    admin.post("/webhook-dead-letters/retry")
    assert wait_until(lambda: len({r.event_id for r in receiver.snapshot()}) == 2)
    status, text, _ = admin.get("/webhooks")
    assert status == 200 and "No dead letter." in text
