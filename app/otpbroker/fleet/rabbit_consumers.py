"""ManagementConsumers: RabbitMQ's consumers now, from its management HTTP API
(``GET /api/consumers``), as ``domain.fleet.QueueConsumer`` (queue, who, prefetch)."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

from otpbroker.domain.fleet import QueueConsumer

TIMEOUT_SECONDS = 5.0
MAX_BYTES = 4_000_000


class ManagementConsumers:
    """The consumer list of the broker whose management API is at ``url``."""

    def __init__(self, url: str, username: str, password: str) -> None:
        """ValueError unless ``url`` is http:// or https://."""
        if not url.startswith(("http://", "https://")):
            raise ValueError("the management API URL must start with http:// or https://")
        self._url = url.rstrip("/") + "/api/consumers"
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._auth = f"Basic {token}"

    def __repr__(self) -> str:
        """No credentials."""
        return "ManagementConsumers()"

    def consumers(self) -> list[QueueConsumer]:
        """Every consumer, sorted by queue; OSError when the API cannot be read."""
        headers = {"Authorization": self._auth}
        request = urllib.request.Request(self._url, headers=headers)  # noqa: S310 - http(s) only
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
                body = answer.read(MAX_BYTES)
        except urllib.error.HTTPError as exc:
            raise ConnectionError(f"management API answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise ConnectionError(f"management API unreachable: {exc}") from None
        try:
            listed = json.loads(body)
        except ValueError:
            raise ConnectionError("management API answered something other than JSON") from None
        found = [_consumer(item) for item in listed if isinstance(item, dict)]
        return sorted(found, key=lambda c: (c.queue, c.consumer))


def _consumer(item: dict[str, Any]) -> QueueConsumer:
    queue = item.get("queue") or {}
    channel = item.get("channel_details") or {}
    who = str(channel.get("connection_name") or channel.get("peer_host") or "?")
    name = str(queue.get("name") or "?") if isinstance(queue, dict) else "?"
    return QueueConsumer(name, who, int(item.get("prefetch_count") or 0))


__all__ = ["ManagementConsumers"]
