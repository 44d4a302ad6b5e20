"""Cloudflare API v4: find the zone holding a name, then list, create or update its A record.

Authentication is an API token (``Authorization: Bearer``) with Zone:Read and DNS:Edit.
The zone is the *longest* zone name that the record name ends with, so ``a.b.example.com``
goes to zone ``b.example.com`` when the account has both ``b.example.com`` and
``example.com``. Every answer is the ``success``/``errors``/``result`` envelope.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from otpbroker.ddns.web_client import HttpAnswer, NetworkError, WebClient
from otpbroker.domain.ddns import Outcome, UpdateResult, short_answer

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
AUTO_TTL = 1
DEFAULT_RETRY_SECONDS = 60.0


class CloudflareFailure(Exception):
    """An answer that ends this update, with its outcome."""

    def __init__(self, result: UpdateResult) -> None:
        super().__init__(result.answer)
        self.result = result


def candidate_zones(name: str) -> list[str]:
    """Every zone that could hold ``name``, longest first (at least two labels)."""
    labels = name.rstrip(".").lower().split(".")
    return [".".join(labels[start:]) for start in range(len(labels) - 1)]


def _errors(payload: Any) -> str:
    """The envelope's ``errors`` as ``code: message`` text."""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    parts = [
        f"{item.get('code', '?')}: {item.get('message', '')}"
        for item in errors or ()
        if isinstance(item, dict)
    ]
    return "; ".join(parts) or "no error details"


class Cloudflare:
    """One Cloudflare account (an API token)."""

    def __init__(self, token: str, client: WebClient, base_url: str = "") -> None:
        self._token = token
        self._client = client
        self._base = (base_url or DEFAULT_BASE_URL).rstrip("/")

    def update(self, record: Mapping[str, Any], address: str) -> UpdateResult:
        """Point the A record ``record["name"]`` at ``address`` (create it when missing)."""
        name = str(record["name"]).rstrip(".").lower()
        proxied = bool(record.get("proxied"))
        ttl = AUTO_TTL if proxied else int(record.get("ttl") or AUTO_TTL)
        try:
            zone_id, zone_name = self.find_zone(name)
            existing = self._call("GET", f"/zones/{quote(zone_id)}/dns_records",
                                  {"type": "A", "name": name})  # fmt: skip
            wanted = {"content": address, "ttl": ttl, "proxied": proxied}
            if not existing:
                body = {"type": "A", "name": name, **wanted}
                self._call("POST", f"/zones/{quote(zone_id)}/dns_records", body=body)
                said = f"created A {name} -> {address} in {zone_name}"
                return UpdateResult(Outcome.UPDATED, said)
            current = existing[0]
            if all(current.get(key) == value for key, value in wanted.items()):
                return UpdateResult(Outcome.UNCHANGED, f"A {name} already {address}")
            path = f"/zones/{quote(zone_id)}/dns_records/{quote(str(current.get('id', '')))}"
            self._call("PATCH", path, body=wanted)
            return UpdateResult(Outcome.UPDATED, f"updated A {name} -> {address} in {zone_name}")
        except CloudflareFailure as failure:
            return failure.result
        except NetworkError as error:
            return UpdateResult(Outcome.RETRY, short_answer(str(error)))

    def find_zone(self, name: str) -> tuple[str, str]:
        """``(zone id, zone name)`` of the longest zone containing ``name``."""
        for candidate in candidate_zones(name):
            zones = self._call("GET", "/zones", {"name": candidate})
            for zone in zones or ():
                if isinstance(zone, dict) and str(zone.get("name", "")).lower() == candidate:
                    return str(zone["id"]), candidate
        raise CloudflareFailure(
            UpdateResult(Outcome.FATAL, f"no zone of this token contains {name}")
        )

    def _call(
        self, method: str, path: str, query: Mapping[str, str] | None = None, body: Any = None
    ) -> Any:
        """One API call; its ``result``, or CloudflareFailure for an error answer."""
        url = self._base + path + (f"?{urlencode(query)}" if query else "")
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, separators=(",", ":")).encode()
        answer = self._client.request(method, url, headers, data)
        return _result(method, path, answer)


def _result(method: str, path: str, answer: HttpAnswer) -> Any:
    """The ``result`` of a successful envelope; otherwise the failure it means."""
    try:
        payload = answer.json()
    except ValueError:
        payload = None
    where = f"{method} {path.split('?')[0]}"
    if answer.status == 429:
        wait = answer.retry_after() or DEFAULT_RETRY_SECONDS
        text = f"rate limited (HTTP 429) on {where}; retry after {wait:.0f} s"
        raise CloudflareFailure(UpdateResult(Outcome.RETRY, text, wait))
    if answer.status >= 500:
        text = f"HTTP {answer.status} on {where}: {_errors(payload)}"
        raise CloudflareFailure(UpdateResult(Outcome.RETRY, short_answer(text)))
    if not isinstance(payload, dict):
        text = f"HTTP {answer.status} on {where}: the answer is not Cloudflare's JSON envelope"
        raise CloudflareFailure(UpdateResult(Outcome.RETRY, text))
    if answer.status in (401, 403):
        text = f"the API token is refused (HTTP {answer.status}): {_errors(payload)}"
        raise CloudflareFailure(UpdateResult(Outcome.FATAL, short_answer(text)))
    if answer.status >= 400 or payload.get("success") is not True:
        text = f"HTTP {answer.status} on {where}: {_errors(payload)}"
        raise CloudflareFailure(UpdateResult(Outcome.FATAL, short_answer(text)))
    return payload.get("result")
