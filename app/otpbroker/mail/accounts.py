"""A mail account as the sender uses it, read from a ``mail_accounts`` record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from otpbroker.domain.errors import InvalidAddressError
from otpbroker.domain.mail import validate_address

KINDS = ("smtp", "local")
SECURITIES = ("starttls", "ssl", "none")


def _text(record: Mapping[str, Any], name: str, default: str = "") -> str:
    value = record.get(name, default)
    return value.strip() if isinstance(value, str) else default


def _number(record: Mapping[str, Any], name: str, default: int) -> int | None:
    value = record.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


@dataclass(frozen=True, repr=False)
class MailAccount:
    """One configured account. ``problem`` says why it cannot be used (None when usable).

    ``key`` identifies the account for the daily counters (the record id, else its name),
    so renaming an account keeps its count. The password is never shown by ``repr()``.
    """

    key: str
    name: str
    kind: str
    host: str
    port: int
    security: str
    auth: bool
    username: str
    password: str
    sender: str
    daily_limit: int
    active: bool
    problem: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> MailAccount:
        """Build from a stored record; a bad record gives an account with a ``problem``."""
        name = _text(record, "name") or "(unnamed)"
        record_id = record.get("id")
        key = record_id if isinstance(record_id, str) and record_id else f"name:{name}"
        kind = _text(record, "kind", "smtp")
        security = _text(record, "security", "starttls")
        port = _number(record, "port", 587)
        limit = _number(record, "daily_limit", 0)
        password = record.get("password", "")
        account = cls(
            key=key,
            name=name,
            kind=kind,
            host=_text(record, "host"),
            port=port if port is not None else 0,
            security=security,
            auth=record.get("auth", True) is True,
            username=_text(record, "username"),
            password=password if isinstance(password, str) else "",
            sender=_text(record, "sender"),
            daily_limit=limit if limit is not None and limit >= 0 else 0,
            active=record.get("active", True) is True,
        )
        problem = _problem(account, port_ok=port is not None, limit_ok=limit is not None)
        return replace(account, problem=problem)

    @property
    def usable(self) -> bool:
        """True when the account is configured well enough to try."""
        return self.problem is None

    def __repr__(self) -> str:
        """Everything but the password."""
        return (
            f"MailAccount(name={self.name!r}, kind={self.kind!r}, host={self.host!r}, "
            f"port={self.port}, security={self.security!r}, auth={self.auth}, "
            f"username={self.username!r}, sender={self.sender!r}, "
            f"daily_limit={self.daily_limit}, active={self.active}, problem={self.problem!r})"
        )

    __str__ = __repr__


def _problem(account: MailAccount, *, port_ok: bool, limit_ok: bool) -> str | None:
    """Why an account cannot be used, in words an administrator can act on."""
    if account.kind not in KINDS:
        return f"unknown kind {account.kind!r} (expected smtp or local)"
    try:
        validate_address(account.sender)
    except InvalidAddressError as exc:
        return f"the sender address is not valid: {exc.message}"
    if not limit_ok:
        return "daily_limit must be a whole number"
    if account.kind == "local":
        return None
    if not account.host:
        return "no SMTP host is configured"
    if not port_ok or not 1 <= account.port <= 65535:
        return "the SMTP port must be a number from 1 to 65535"
    if account.security not in SECURITIES:
        return f"unknown security {account.security!r} (expected starttls, ssl or none)"
    if account.auth and not account.username:
        return "auth is on but no username is configured"
    if account.auth and not account.password:
        return "auth is on but no password is configured"
    return None


__all__ = ["KINDS", "SECURITIES", "MailAccount"]
