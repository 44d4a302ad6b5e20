"""Outbound SMS value object and the result of a send.

An OTP's clear text must never reach logs or disk, so nothing here ever shows a message
text in ``repr()``/``str()``: only its length, and the recipient's number masked.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple

from otpbroker.domain.errors import InvalidMessageError
from otpbroker.domain.msisdn import mask_msisdn
from otpbroker.i18n.translate import _

#: Longest accepted text, in characters: 10 concatenated GSM 7-bit parts (10 x 153).
MAX_TEXT_CHARS = 1530


def masked_text(text: object) -> str:
    """Describe a text without revealing it: ``<masked 24 chars>``."""
    if not isinstance(text, str):
        return "<masked non-text>"
    return f"<masked {len(text)} chars>"


def validate_text(text: object, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Return ``text`` if it is a non-empty str of at most ``max_chars`` characters.

    Raises InvalidMessageError (reason ``not_text``, ``empty`` or ``too_long``); the error
    message gives lengths only, never the text.
    """
    if not isinstance(text, str):
        raise InvalidMessageError(
            _("message must be text, got {type}").format(type=type(text).__name__),
            reason="not_text",
        )
    if not text.strip():
        raise InvalidMessageError(_("message is empty"), reason="empty")
    if len(text) > max_chars:
        raise InvalidMessageError(
            _("message is too long: {count} characters, at most {limit} allowed").format(
                count=len(text), limit=max_chars
            ),
            reason="too_long",
        )
    return text


@dataclass(frozen=True, repr=False)
class OutboundSms:
    """One SMS to send. ``source`` is where it came from (rest, rabbitmq, ws, mqtt, manual).

    The text is validated (non-empty str, at most MAX_TEXT_CHARS) and never shown by
    ``repr()``/``str()``.
    """

    msisdn: str
    text: str
    message_id: str | None
    source: str
    user: str | None = None

    def __post_init__(self) -> None:
        """Reject a text that is not sendable (never echoing it)."""
        validate_text(self.text)
        if not isinstance(self.msisdn, str) or not self.msisdn:
            raise InvalidMessageError(_("recipient number is missing"), reason="no_recipient")

    def __repr__(self) -> str:
        """Masked number and text length only."""
        return (
            f"OutboundSms(msisdn={mask_msisdn(self.msisdn)!r}, text=<{len(self.text)} chars>, "
            f"message_id={self.message_id!r}, source={self.source!r}, user={self.user!r})"
        )

    __str__ = __repr__


class SendOutcome(enum.Enum):
    """What became of one send attempt.

    UNKNOWN means the modem timed out: the network may have sent the SMS, so it must never
    be resent (on this modem or another). EXPIRED means its expiry passed before any modem
    wrote it: it was never sent, and is never tried again.
    """

    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    EXPIRED = "expired"


STOPPING_CODE = "STOPPING"
"""The error code of a send that no modem started because the device is stopping (its
outcome is ``FAILED``: nothing went out). It is never tried on another modem."""


class PathCheck(enum.Enum):
    """What the SMS-path check a modem makes right after an unclassified send error found.

    ``NOT_CHECKED``: no check was made before the outcome was handed back (the error needed
    none, or the modem could not be asked); ``HAS_PATH``: the modem has an SMS path, or does
    not say; ``NO_PATH``: it has none (e.g. registered on LTE without SMS).
    """

    NOT_CHECKED = "not_checked"
    HAS_PATH = "has_path"
    NO_PATH = "no_path"


class Attempt(NamedTuple):
    """One try on one modem: ``(modem_id, outcome, error)``."""

    modem_id: str
    outcome: SendOutcome
    error: str | None = None


@dataclass(frozen=True)
class Delivery:
    """The result of sending one SMS (possibly after trying several modems).

    ``error`` must describe the failure without the message text (adapters must not echo
    the text into it).
    """

    outcome: SendOutcome
    modem_id: str | None = None
    message_reference: int | None = None
    parts: int = 0
    error_code: str | None = None
    error: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    error_class: str | None = None
    """The class of the error (``domain.send_errors.ErrorClass`` value), None when sent."""
    error_text: str | None = None
    """The error in plain words (never the message text or the number)."""
    path_check: PathCheck = PathCheck.NOT_CHECKED
    """What the modem's SMS-path check after an unclassified error found."""
    duplicate: bool = False
    """True when the message was not sent now: the send ledger holds it as sent (or
    possibly sent) before, and ``outcome`` is that first outcome."""
    message_references: tuple[int, ...] = ()
    """Every part's TP-MR, in part order (``message_reference`` is the first): what the
    status reports of the message carry."""
    status_id: str | None = None
    """The id its status is followed under (``GET /api/status/<id>``): the client's id, or
    the one the device made when the client gave none; None when it was not followed."""

    @property
    def sent(self) -> bool:
        """True when the network accepted the message."""
        return self.outcome is SendOutcome.SENT

    @property
    def may_try_another_modem(self) -> bool:
        """True only for a definite failure; SENT, UNKNOWN and EXPIRED are never resent."""
        return self.outcome is SendOutcome.FAILED


__all__ = [
    "MAX_TEXT_CHARS",
    "STOPPING_CODE",
    "Attempt",
    "Delivery",
    "OutboundSms",
    "PathCheck",
    "SendOutcome",
    "masked_text",
    "validate_text",
]
