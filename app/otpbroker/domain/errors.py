"""Domain errors of OTP Broker.

Every error carries a stable machine-readable ``code`` (for the transports to map onto the
product's response codes) and an optional ``reason`` that says precisely what was wrong.
Messages never contain an OTP or a message text: callers must not pass them in.
"""

from __future__ import annotations

import math


class DomainError(Exception):
    """Base class of every domain error; ``code`` is stable, the message is human-readable."""

    code: str = "domain_error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        """Build the error with a precise ``message`` and an optional short ``reason`` tag."""
        super().__init__(message)
        self.message = message
        self.reason = reason

    def __repr__(self) -> str:
        """Show class, code, reason and message (never a secret: messages hold none)."""
        name = type(self).__name__
        return f"{name}(code={self.code!r}, reason={self.reason!r}, {self.message!r})"


class InvalidNumberError(DomainError, ValueError):
    """A phone number (MSISDN) or a routing prefix cannot be normalised."""

    code = "invalid_number"


class InvalidMessageError(DomainError, ValueError):
    """A message text is empty, too long or not text."""

    code = "invalid_message"


class InvalidAddressError(DomainError, ValueError):
    """An e-mail address is not one this device can send to (the reason says why)."""

    code = "invalid_address"


class BlockedNumberError(DomainError):
    """The recipient is on the blocking list: no modem may send to it."""

    code = "blocked_number"


class DuplicateMessageError(DomainError):
    """A message with the same id was already accepted within the de-duplication window."""

    code = "duplicate_message"


class NoModemAvailableError(DomainError):
    """No active, healthy, eligible modem can take the message."""

    code = "no_modem_available"


class SendRefusedError(DomainError):
    """A limit against SMS pumping refuses the message before it reaches a modem.

    ``reason`` names the limit or list (``domain.pumping.REASONS``); ``retry_after`` is the
    whole seconds until a rate limit would let it pass, None for an allow/deny list."""

    code = "send_refused"

    def __init__(self, message: str, *, reason: str, retry_after: int | None = None) -> None:
        """Build the refusal; the message names the masked number, never a text."""
        super().__init__(message, reason=reason)
        self.retry_after = retry_after

    @property
    def rate_limited(self) -> bool:
        """True for a rate limit (waiting helps), False for a list."""
        return self.retry_after is not None


class QuotaReachedError(DomainError):
    """Every modem that could take the message is at one of its SIM's caps (pacing).

    ``retry_after``: whole seconds until the earliest of them has room again."""

    code = "quota_reached"

    def __init__(self, message: str, *, retry_after: int, reason: str | None = None) -> None:
        """``retry_after`` in whole seconds (at least 1)."""
        super().__init__(message, reason=reason)
        self.retry_after = max(1, retry_after)

    @classmethod
    def after(cls, seconds: float) -> QuotaReachedError:
        """The error for candidates that have room again in ``seconds``."""
        wait = max(1, math.ceil(seconds))
        return cls(
            f"every modem that can send to this number has reached its SIM's sending cap; "
            f"the first has room again in {wait} s",
            retry_after=wait,
        )


class StoppingError(DomainError):
    """The device is stopping: the message was not accepted, or not started on a modem.

    Nothing was sent; the same message (the same id) may be sent again once the device is
    back, ``retry_after`` whole seconds from now at the earliest."""

    code = "stopping"
    retry_after = 10


class UnknownCommandError(DomainError):
    """A request named a ``command`` this device does not know."""

    code = "unknown_command"


__all__ = [
    "BlockedNumberError",
    "DomainError",
    "DuplicateMessageError",
    "InvalidAddressError",
    "InvalidMessageError",
    "InvalidNumberError",
    "NoModemAvailableError",
    "QuotaReachedError",
    "SendRefusedError",
    "StoppingError",
    "UnknownCommandError",
]
