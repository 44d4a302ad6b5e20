"""Turn a raw feeder message into command objects, accepting every shape clients send.

Shapes accepted (see docs/feeders.md):

- ``{"command": "send-sms", "data": {...}}`` — one command (also block-msisdn, ...);
- ``{"command": "send-message", "channel": "sms", "data": [item, ...]}`` — a
  WSMessageBroker frame; each item is a command object or a legacy item;
- ``{"data": [{"receiver": "08..", "message": ".."}, ...]}`` — the original product's
  legacy RabbitMQ body; ``id`` may be given per item.

Nothing here logs or keeps a message text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_ITEMS = 1000


class FeedError(ValueError):
    """A message that is not JSON or has none of the accepted shapes."""


@dataclass(frozen=True)
class FeedBatch:
    """The commands found in one raw message; ``rejected`` counts items of no known shape."""

    commands: list[dict[str, Any]]
    rejected: int = 0


def _legacy_item(item: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"msisdn": item.get("receiver"), "message": item.get("message")}
    if "id" in item:
        data["id"] = item["id"]
    return {"command": "send-sms", "data": data}


def _item(item: object) -> dict[str, Any] | None:
    """The command of one ``data[]`` item, or None when it has no known shape."""
    if isinstance(item, dict) and "command" in item:
        return item
    if isinstance(item, dict) and "receiver" in item:
        return _legacy_item(item)
    return None


def parse_feed(raw: bytes | str) -> FeedBatch:
    """Decode one message into its command objects; FeedError for anything unusable."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        payload = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise FeedError(f"not JSON: {type(exc).__name__}") from None
    if not isinstance(payload, dict):
        raise FeedError("the message must be a JSON object")
    command = payload.get("command")
    data = payload.get("data")
    if command == "send-message" or (command is None and isinstance(data, list)):
        if not isinstance(data, list):
            raise FeedError("'data' must be a list of messages")
        if len(data) > MAX_ITEMS:
            raise FeedError(f"too many items: {len(data)}, at most {MAX_ITEMS}")
        commands = [_item(item) for item in data]
        good = [command for command in commands if command is not None]
        return FeedBatch(good, rejected=len(commands) - len(good))
    if isinstance(command, str):
        return FeedBatch([payload])
    raise FeedError("the message has no 'command'")
