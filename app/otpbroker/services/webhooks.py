"""Webhooks: list, add, edit, delete, show and regenerate the secret, send a test event, and
the dead-letter list with "retry now".

A webhook belongs to an API user (the status events of that user's messages) or to a
feeder (``feeder:rabbitmq``, ``feeder:mqtt``, ``feeder:ws``: the messages it brought); with
the ``inbound`` kind it also receives every received SMS. Its secret is made by the device,
never listed and never logged: the admin sees it on demand. A URL is checked when it is
stored (``services.webhook_urls``): a refused or unresolvable one changes nothing. Posting
is ``services.webhook_delivery``'s.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from otpbroker.services.webhook_delivery import WebhookDelivery
from otpbroker.services.webhook_signing import new_secret
from otpbroker.services.webhook_urls import HostResolver, UrlRefused, checked_target

COLLECTION = "webhooks"
SECRET = "secret"  # noqa: S105 (the name of the field)
FEEDER_OWNERS = ("feeder:rabbitmq", "feeder:mqtt", "feeder:ws")
FIELDS = ("owner", "url", "events", "active", "allow_private_address")


class WebhookRecords(Protocol):
    """What the service needs of the configuration's records."""

    def list(self, name: str) -> list[dict[str, Any]]:
        """Every record of a collection."""
        ...

    def get_record(self, name: str, record_id: str) -> dict[str, Any]:
        """One record (LookupError when missing)."""
        ...

    def add(self, name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and add a record (ValueError naming the field)."""
        ...

    def update(self, name: str, record_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and change a record."""
        ...

    def delete(self, name: str, record_id: str) -> None:
        """Remove a record."""
        ...


class WebhookRefused(ValueError):
    """The webhook was not stored; ``errors`` maps each refused field to why."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {rule}" for key, rule in errors.items()))
        self.errors = dict(errors)


def public(record: Mapping[str, Any]) -> dict[str, Any]:
    """A webhook as it may be listed: no secret, only whether one is stored."""
    shown = {key: value for key, value in record.items() if key != SECRET}
    shown["secret_set"] = bool(record.get(SECRET))
    return shown


class Webhooks:
    """The webhook records, their rules, and the delivery's state for the admin."""

    def __init__(
        self,
        records: WebhookRecords,
        delivery: WebhookDelivery,
        resolver: HostResolver,
        own_addresses: Callable[[], Iterable[str]],
    ) -> None:
        """``resolver`` and ``own_addresses``: the URL check made when one is stored."""
        self._records = records
        self._delivery = delivery
        self._resolver = resolver
        self._own = own_addresses

    # -- reading -------------------------------------------------------------------------

    def list(self) -> list[dict[str, Any]]:
        """Every webhook without its secret, with its backlog and last error."""
        lanes = self._delivery.lane_states()
        rows = []
        for record in self._records.list(COLLECTION):
            state = lanes.get(record["id"], {})
            rows.append({**public(record), "backlog": state.get("backlog", 0),
                         "last_error": state.get("last_error", "")})  # fmt: skip
        return rows

    def get(self, webhook_id: str) -> dict[str, Any]:
        """One webhook without its secret (LookupError when there is none)."""
        return public(self._records.get_record(COLLECTION, webhook_id))

    def owners(self) -> builtins.list[str]:
        """Who may own a webhook: every API user, then the feeders."""
        users = sorted(str(user["username"]) for user in self._records.list("api_users"))
        return users + list(FEEDER_OWNERS)

    def secret(self, webhook_id: str) -> str:
        """The webhook's secret, for the admin who asks (LookupError when there is none)."""
        return str(self._records.get_record(COLLECTION, webhook_id)[SECRET])

    # -- changes -------------------------------------------------------------------------

    def add(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
        """Store a new webhook with a fresh secret: (the webhook, its secret).
        WebhookRefused or ValueError naming the field; nothing is stored then."""
        fields = self._checked(values)
        secret = new_secret()
        record = self._records.add(COLLECTION, {**fields, SECRET: secret})
        return public(record), secret

    def edit(self, webhook_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Change a webhook (its secret stays): LookupError, WebhookRefused or ValueError."""
        current = self._records.get_record(COLLECTION, webhook_id)
        fields = self._checked(values, current)
        record = self._records.update(COLLECTION, webhook_id, fields)
        self._delivery.wake(webhook_id)
        return public(record)

    def set_active(self, webhook_id: str, active: bool) -> dict[str, Any]:
        """Activate or deactivate a webhook (an inactive one keeps its backlog, unposted)."""
        record = self._records.update(COLLECTION, webhook_id, {"active": active})
        self._delivery.wake(webhook_id)
        return public(record)

    def regenerate_secret(self, webhook_id: str) -> str:
        """A new secret for the webhook (the old one stops working at once)."""
        secret = new_secret()
        self._records.update(COLLECTION, webhook_id, {SECRET: secret})
        return secret

    def delete(self, webhook_id: str) -> dict[str, Any]:
        """Remove a webhook and its backlog; the webhook as it was (LookupError)."""
        record = self.get(webhook_id)
        self._records.delete(COLLECTION, webhook_id)
        self._delivery.forget(webhook_id)
        return record

    def _checked(
        self, values: Mapping[str, Any], current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The fields to store; the URL checked with the flag it will have."""
        fields = {key: values[key] for key in FIELDS if key in values}
        merged = {**(current or {}), **fields}
        errors: dict[str, str] = {}
        owner = fields.get("owner")
        if owner is not None:
            known = {name.lower(): name for name in self.owners()}
            if not isinstance(owner, str) or owner.lower() not in known:
                errors["owner"] = f"{owner!r} is neither an API user nor a feeder"
            else:
                fields["owner"] = known[owner.lower()]
        if "url" in fields or "allow_private_address" in fields:
            allow = bool(merged.get("allow_private_address"))
            problem = self._url_problem(merged.get("url", ""), allow)
            if problem:
                errors["url"] = problem
        if errors:
            raise WebhookRefused(errors)
        return fields

    def _url_problem(self, url: Any, allow_private: bool) -> str | None:
        try:
            checked_target(str(url), allow_private, self._resolver, self._own)
        except UrlRefused as refused:
            return refused.rule
        except OSError as exc:
            return f"its host cannot be resolved ({exc})"
        return None

    # -- delivery ------------------------------------------------------------------------

    def send_test(self, webhook_id: str) -> str:
        """Queue a test status event to this webhook: its event id (LookupError)."""
        self._records.get_record(COLLECTION, webhook_id)
        return self._delivery.send_test(webhook_id)

    def dead_letters(self) -> builtins.list[dict[str, Any]]:
        """The events that could not be delivered (newest first; never their body)."""
        names = {record["id"]: record["url"] for record in self._records.list(COLLECTION)}
        return [{**letter, "url": names.get(letter["webhook"], "(deleted)")}
                for letter in self._delivery.dead_letters()]  # fmt: skip

    def retry(self, letter_id: str) -> bool:
        """Send one dead letter again now (False when it is gone)."""
        return self._delivery.retry(letter_id)

    def retry_all(self) -> int:
        """Send every dead letter again now: how many."""
        return self._delivery.retry_all()

    # -- metrics -------------------------------------------------------------------------

    def backlogs(self) -> dict[str, int]:
        """Events waiting per webhook id (every stored webhook, 0 when idle)."""
        waiting = self._delivery.backlogs()
        return {record["id"]: waiting.get(record["id"], 0)
                for record in self._records.list(COLLECTION)}  # fmt: skip

    def deliveries(self) -> dict[str, int]:
        """Results so far: delivered, failed (attempts), dead (events)."""
        return self._delivery.deliveries()


__all__ = ["FEEDER_OWNERS", "WebhookRefused", "Webhooks", "public"]
