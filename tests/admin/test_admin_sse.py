"""The Server-Sent Events plumbing of the admin (``web/admin/sse.py``), without a server."""

from __future__ import annotations

import json
import threading

import bottle

from otpbroker.web.admin import sse


def test_an_event_has_its_id_name_and_compact_json_data():
    chunk = sse.event("sms", {"a": 1, "b": [2, 3]}, "17.5").decode()
    assert chunk == 'id: 17.5\nevent: sms\ndata: {"a":1,"b":[2,3]}\n\n'
    plain = sse.event(None, ["x"]).decode()
    assert plain == 'data: ["x"]\n\n'
    assert json.loads(plain.removeprefix("data: ")) == ["x"]


def test_slots_refuse_beyond_the_limit_and_come_back():
    slots = sse.Slots()
    assert [slots.take(2) for _ in range(3)] == [True, True, False]
    slots.give()
    assert slots.take(2) is True
    for _ in range(5):  # giving back more than was taken never goes below zero
        slots.give()
    assert slots.open == 0


def test_a_stream_closes_its_chunks_and_releases_its_slot_once():
    released: list[int] = []
    closed = threading.Event()

    def chunks():
        try:
            yield b"one"
            yield b"two"
        finally:
            closed.set()

    stream = sse.Stream(chunks(), lambda: released.append(1))
    assert next(iter(stream)) == b"one"
    stream.close()
    stream.close()
    assert closed.is_set() and released == [1]


def test_a_stream_closed_before_its_first_chunk_still_releases():
    released: list[int] = []
    stream = sse.Stream(iter([b"never read"]), lambda: released.append(1))
    stream.close()
    assert released == [1]


def test_the_inbox_never_blocks_the_sender_and_counts_what_it_dropped():
    inbox = sse.Inbox(2)
    for item in ("a", "b", "c", "d"):
        inbox.put(item)
    assert inbox.take_dropped() == 2 and inbox.take_dropped() == 0
    assert [inbox.get(0.01), inbox.get(0.01)] == ["a", "b"]
    assert inbox.get(0.01) is None


def test_each_app_has_its_own_slots():
    per_app = sse.SlotsPerApp()
    first, second = bottle.Bottle(), bottle.Bottle()
    try:
        bottle.request.bind({"bottle.app": first})
        mine = per_app.current()
        assert per_app.current() is mine and mine.take(1)
        bottle.request.bind({"bottle.app": second})
        assert per_app.current() is not mine and per_app.current().take(1)
    finally:
        bottle.request.bind({})


def test_outside_a_server_thread_neither_the_client_nor_the_server_has_gone():
    assert sse.client_gone() is False
    assert sse.server_stopping() is False
