"""Every message shape the feeders accept, and what is refused."""

from __future__ import annotations

import json

import pytest

from otpbroker.feeders.messages import MAX_ITEMS, FeedError, parse_feed

SMS = {"command": "send-sms", "data": {"id": 1, "msisdn": "0812", "message": "x"}}


def test_one_command_object():
    assert parse_feed(json.dumps(SMS).encode()).commands == [SMS]


def test_ws_frame_with_both_item_shapes_and_a_bad_item():
    frame = {"command": "send-message", "channel": "sms",
             "data": [SMS, {"receiver": "0813", "message": "y", "id": 7}, {"nothing": 1}, 5]}  # fmt: skip
    batch = parse_feed(json.dumps(frame))
    assert batch.commands == [
        SMS,
        {"command": "send-sms", "data": {"msisdn": "0813", "message": "y", "id": 7}},
    ]
    assert batch.rejected == 2


def test_legacy_rabbitmq_body():
    body = {"data": [{"receiver": "0812", "message": "a"}, {"receiver": "0813", "message": "b"}]}
    commands = parse_feed(json.dumps(body)).commands
    assert [c["data"]["msisdn"] for c in commands] == ["0812", "0813"]
    assert all(c["command"] == "send-sms" and "id" not in c["data"] for c in commands)


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b'{"data": {}}', b"[" * 5000,
     json.dumps({"command": "send-message", "data": {}}).encode(),
     json.dumps({"data": [SMS] * (MAX_ITEMS + 1)}).encode()],
)  # fmt: skip
def test_unusable_messages_raise_feed_error(raw):
    with pytest.raises(FeedError):
        parse_feed(raw)
