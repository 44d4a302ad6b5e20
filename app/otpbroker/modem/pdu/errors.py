"""Exceptions raised by the SMS PDU codec.

Every error is a :class:`PduError`, itself a :class:`ValueError`, so callers can catch the
whole family with one ``except`` clause.
"""

from __future__ import annotations


class PduError(ValueError):
    """Base class: malformed, truncated or unencodable PDU data."""


class EmptyMessageError(PduError):
    """The message text is empty; an SMS needs at least one character."""


class InvalidNumberError(PduError):
    """A destination or service-centre number is not ``+<digits>`` / ``<digits>`` (1..20)."""


class MessageTooLongError(PduError):
    """The text needs more concatenated parts than allowed.

    ``parts_needed`` is how many parts the text would take, ``max_parts`` the limit.
    """

    def __init__(self, parts_needed: int, max_parts: int) -> None:
        self.parts_needed = parts_needed
        self.max_parts = max_parts
        super().__init__(
            f"message needs {parts_needed} SMS parts but at most {max_parts} are allowed"
        )

    def __reduce__(self) -> tuple[type[MessageTooLongError], tuple[int, int]]:
        """Pickle with the constructor arguments (the message is derived from them)."""
        return (type(self), (self.parts_needed, self.max_parts))
