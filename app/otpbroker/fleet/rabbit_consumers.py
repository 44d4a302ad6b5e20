"""ManagementConsumers: RabbitMQ's consumers now, from its management HTTP API
(``GET /api/consumers``), as ``domain.fleet.QueueConsumer`` (queue, who, prefetch).

Who: the name the client gave its connection (``client_properties.connection_name``; a
device's feeder names it after the device), read from ``GET /api/connections`` because a
consumer's ``channel_details`` only carry the connection's address-based name; else that
name, else the peer's address."""

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
        self._base = url.rstrip("/")
        self._url = self._base + "/api/consumers"
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._auth = f"Basic {token}"

    def __repr__(self) -> str:
        """No credentials."""
        return "ManagementConsumers()"

    def consumers(self) -> list[QueueConsumer]:
        """Every consumer, sorted by queue; OSError when the API cannot be read."""
        listed = self._read(self._url)
        names = _client_names(self._read(self._base + "/api/connections"))
        found = [_consumer(item, names) for item in listed if isinstance(item, dict)]
        return sorted(found, key=lambda c: (c.queue, c.consumer))

    def _read(self, url: str) -> list[Any]:
        """The JSON list at ``url``; ConnectionError when it cannot be read."""
        headers = {"Authorization": self._auth}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only
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
        if not isinstance(listed, list):
            raise ConnectionError("management API answered something other than a list")
        return listed


def _client_names(connections: list[Any]) -> dict[str, str]:
    """The client-given name of each connection, by the connection's own name."""
    names = {}
    for item in connections:
        if not isinstance(item, dict):
            continue
        properties = item.get("client_properties") or {}
        given = item.get("user_provided_name") or (
            properties.get("connection_name") if isinstance(properties, dict) else None
        )
        if item.get("name") and given:
            names[str(item["name"])] = str(given)
    return names


def _consumer(item: dict[str, Any], names: dict[str, str]) -> QueueConsumer:
    queue = item.get("queue") or {}
    channel = item.get("channel_details") or {}
    connection = str(channel.get("connection_name") or "")
    who = names.get(connection) or connection or str(channel.get("peer_host") or "?")
    name = str(queue.get("name") or "?") if isinstance(queue, dict) else "?"
    return QueueConsumer(name, who, int(item.get("prefetch_count") or 0))


__all__ = ["ManagementConsumers"]
