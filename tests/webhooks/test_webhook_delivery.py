"""Delivery against a real HTTP receiver on loopback: who gets which event, the signature
with the documented scheme, the issue's scenario (receiver down, 100 messages, receiver back
on the same port: every event arrives, duplicates only with the same id, order per message
kept), dead letters after the last attempt and "retry now", a full backlog, and a receiver
that hangs never holds up the publisher."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time

from waiting import wait_until
from webhook_receiver import closed_port

from otpbroker.domain.message import Delivery, SendOutcome
from otpbroker.domain.message_life import InboundSms, MessageState, StatusEvent
from otpbroker.services.message_life import MessageLife
from otpbroker.services.webhook_signing import verify


def status(message_id: str, user: str | None = "app", source: str = "rest") -> StatusEvent:
    return StatusEvent(message_id, MessageState.SENT, source, user, "m1", "0812****7890", 1)


def test_a_status_event_goes_to_its_owners_webhooks_only(rig, receivers):
    mine, theirs, feeder = receivers(), receivers(), receivers()
    rig.add(mine.url, owner="app")
    rig.add(theirs.url, owner="other")
    rig.add(feeder.url, owner="feeder:rabbitmq")
    rig.bus.publish_status(status("a-1"))
    rig.bus.publish_status(status("f-1", user=None, source="rabbitmq"))
    assert wait_until(lambda: len(mine.snapshot()) == 1 and len(feeder.snapshot()) == 1)
    assert [r.event["id"] for r in mine.snapshot()] == ["a-1"]
    assert [r.event["id"] for r in feeder.snapshot()] == ["f-1"]
    rig.bus.publish_status(status("a-2"))  # then a marker: nothing for "other" came before
    assert wait_until(lambda: len(mine.snapshot()) == 2)
    assert theirs.snapshot() == []


def test_a_received_sms_goes_to_every_webhook_with_the_inbound_kind(rig, receivers):
    both, inbound, status_only = receivers(), receivers(), receivers()
    rig.add(both.url, events=("status", "inbound"))
    rig.add(inbound.url, owner="feeder:mqtt", events=("inbound",))
    rig.add(status_only.url)
    sms = InboundSms("m1", "+628123456789", "STOP", time.time())
    rig.bus.publish_inbound(sms)
    assert wait_until(lambda: len(both.snapshot()) == 1 and len(inbound.snapshot()) == 1)
    body = inbound.snapshot()[0].event
    assert (body["type"], body["text"], body["event_id"]) == ("inbound", "STOP", sms.event_id)
    rig.bus.publish_status(status("marker"))
    assert wait_until(lambda: len(status_only.snapshot()) == 1)
    assert [r.event["type"] for r in status_only.snapshot()] == ["status"]


def test_the_signature_follows_the_documented_scheme_and_a_tampered_body_fails(rig, receivers):
    receiver = receivers()
    hook = rig.add(receiver.url)
    event = status("sig-1")
    rig.bus.publish_status(event)
    assert wait_until(lambda: len(receiver.snapshot()) == 1)
    got = receiver.snapshot()[0]
    headers = got.headers
    assert headers["content-type"] == "application/json"
    assert headers["x-otpb-event-id"] == event.event_id == got.event["event_id"]
    timestamp = headers["x-otpb-timestamp"]
    # The receiver's check as docs/webhooks.md writes it, made here independently
    expected = hmac.new(hook["secret"].encode(), timestamp.encode() + b"." + got.body,
                        hashlib.sha256).hexdigest()  # fmt: skip
    assert hmac.compare_digest(headers["x-otpb-signature"], "v1=" + expected)
    assert verify(hook["secret"], timestamp, got.body, headers["x-otpb-signature"], time.time())
    tampered = got.body.replace(b"sig-1", b"sig-2")
    assert not verify(hook["secret"], timestamp, tampered, headers["x-otpb-signature"],
                      time.time())  # fmt: skip
    assert not verify("0" * 64, timestamp, got.body, headers["x-otpb-signature"], time.time())
    # Replayed later than the window: refused although the signature is right
    assert not verify(hook["secret"], timestamp, got.body, headers["x-otpb-signature"],
                      int(timestamp) + 301)  # fmt: skip


def test_receiver_down_then_back_every_event_arrives_in_order_per_message(rig, receivers):
    port = closed_port()
    hook = rig.add(f"http://127.0.0.1:{port}/hook")
    life = MessageLife(rig.bus)  # the producer SmsService uses
    for n in range(100):
        ticket = life.accepted(f"otp-{n}", "rest", "app", f"+6281200{n:05d}")
        life.finished(ticket, Delivery(SendOutcome.SENT, "m1", parts=1))
    assert wait_until(lambda: rig.delivery.deliveries()["failed"] >= 2, 60)  # it is down
    assert wait_until(lambda: rig.webhooks.backlogs()[hook["id"]] == 200, 60)
    receiver = receivers(port)  # back on the same port
    assert wait_until(lambda: len({r.event_id for r in receiver.snapshot()}) == 200, 30)
    got = receiver.snapshot()
    first_seen: dict[str, dict] = {}
    for one in got:  # a duplicate carries the same id and the same body
        first_seen.setdefault(one.event_id, one.event)
        assert one.event == first_seen[one.event_id]
        assert one.event["event_id"] == one.event_id
    by_message: dict[str, list[str]] = {}
    for one in got:
        states = by_message.setdefault(one.event["id"], [])
        if one.event["state"] not in states:
            states.append(one.event["state"])
    assert by_message == {f"otp-{n}": ["accepted", "sent"] for n in range(100)}
    assert rig.delivery.dead_letters() == []
    assert wait_until(lambda: rig.webhooks.backlogs()[hook["id"]] == 0, 60)


def test_dead_letter_after_the_last_attempt_then_retry_now_delivers(rig, receivers):
    rig.store.set("webhooks.max_attempts", 3)
    receiver = receivers()
    receiver.answer = 500
    rig.add(receiver.url)
    event = status("dead-1")
    rig.bus.publish_status(event)
    assert wait_until(lambda: len(rig.webhooks.dead_letters()) == 1)
    letter = rig.webhooks.dead_letters()[0]
    assert (letter["event_id"], letter["attempts"], letter["message_id"]) == (
        event.event_id,
        3,
        "dead-1",
    )
    assert letter["last_error"] == "answered HTTP 500" and "3 attempts" in letter["reason"]
    assert [r.event_id for r in receiver.snapshot()] == [event.event_id] * 3
    assert "body" not in letter and "STOP" not in str(letter)
    receiver.answer = "ok"
    assert rig.webhooks.retry(letter["id"]) is True
    assert wait_until(lambda: len(receiver.snapshot()) == 4)
    assert receiver.snapshot()[-1].event_id == event.event_id  # the same id on the retry
    assert rig.webhooks.dead_letters() == [] and rig.webhooks.retry(letter["id"]) is False


def test_retry_all_sends_every_dead_letter_again_oldest_first(rig, receivers):
    rig.store.set("webhooks.max_attempts", 1)
    receiver = receivers()
    receiver.answer = 503
    rig.add(receiver.url)
    events = [status(f"all-{n}") for n in range(3)]
    for event in events:
        rig.bus.publish_status(event)
    assert wait_until(lambda: len(rig.webhooks.dead_letters()) == 3)
    receiver.answer = "ok"
    assert rig.webhooks.retry_all() == 3
    assert wait_until(lambda: len(receiver.snapshot()) == 6)
    assert [r.event_id for r in receiver.snapshot()[3:]] == [e.event_id for e in events]
    assert rig.webhooks.dead_letters() == []


def test_a_full_backlog_sends_its_oldest_event_to_the_dead_letters(rig, receivers):
    rig.store.set("webhooks.timeout_seconds", 60)  # it hangs longer than the test
    receiver = receivers()
    receiver.answer = "hang"
    hook = rig.add(receiver.url)
    rig.delivery._bound = 2
    rig.bus.publish_status(status("first"))
    assert wait_until(lambda: receiver.hanging == 1)  # "first" is in flight
    for name in ("b", "c", "d"):
        rig.bus.publish_status(status(name))
    assert wait_until(lambda: len(rig.webhooks.dead_letters()) == 1)
    letter = rig.webhooks.dead_letters()[0]
    assert letter["message_id"] == "b" and "backlog was full" in letter["reason"]
    assert rig.webhooks.backlogs()[hook["id"]] == 3  # "first" in flight, "c" and "d"


def test_a_hanging_receiver_never_holds_up_the_publisher(rig, receivers):
    rig.store.set("webhooks.timeout_seconds", 60)  # it hangs longer than the test
    receiver = receivers()
    receiver.answer = "hang"
    rig.add(receiver.url)
    rig.bus.publish_status(status("h-0"))
    assert wait_until(lambda: receiver.hanging == 1)
    published = threading.Event()

    def publish() -> None:
        life = MessageLife(rig.bus)
        for n in range(200):
            ticket = life.accepted(f"h-{n + 1}", "rest", "app", "+628120000001")
            life.finished(ticket, Delivery(SendOutcome.SENT, "m1", parts=1))
        published.set()

    threading.Thread(target=publish, daemon=True).start()
    assert published.wait(20), "publishing waited for the receiver"
    assert receiver.hanging == 1 and not receiver.release.is_set()  # still hanging
    receiver.release.set()
    receiver.answer = "ok"
    assert wait_until(lambda: len({r.event_id for r in receiver.snapshot()}) == 401, 30)


def test_an_inactive_webhook_gets_nothing_and_an_edit_retries_at_once(rig, receivers):
    rig.delivery.backoff = type(rig.delivery.backoff)(first=60, cap=60)  # a long pause
    receiver = receivers()
    asleep = rig.add(receiver.url, active=False)
    awake = rig.add(receiver.url.replace("/hook", "/awake"))
    rig.bus.publish_status(status("while-inactive"))
    assert wait_until(lambda: len(receiver.snapshot()) == 1)
    assert receiver.snapshot()[0].path == "/awake"  # the inactive one got nothing
    receiver.answer = 500
    rig.bus.publish_status(status("after"))
    assert wait_until(lambda: rig.delivery.deliveries()["failed"] == 1)  # now 60 s to wait
    receiver.answer = "ok"
    rig.webhooks.edit(awake["id"], {"url": awake["url"]})  # the edit wakes the lane
    assert wait_until(lambda: len(receiver.snapshot()) == 3)
    assert [r.event["id"] for r in receiver.snapshot()] == ["while-inactive", "after", "after"]
    assert rig.webhooks.get(asleep["id"])["active"] is False


def test_stopping_does_not_wait_for_a_hanging_receiver(rig, receivers):
    rig.store.set("webhooks.timeout_seconds", 60)
    receiver = receivers()
    receiver.answer = "hang"
    rig.add(receiver.url)
    rig.bus.publish_status(status("stuck"))
    assert wait_until(lambda: receiver.hanging == 1)
    stopped = threading.Event()
    threading.Thread(target=lambda: (rig.delivery.stop(), stopped.set()), daemon=True).start()
    assert stopped.wait(20), "the stop waited for the receiver"
    assert not receiver.release.is_set()
