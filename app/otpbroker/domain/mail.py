"""E-mail value objects, validation and the port the mail adapter implements.

A mail's subject and body carry an OTP, so they are as secret as an SMS text: nothing here
shows them in ``repr()``/``str()`` or in an error message, only their lengths. Recipient
addresses are not secret, but logs show them masked (:func:`mask_address`).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from otpbroker.domain.errors import InvalidAddressError, InvalidMessageError
from otpbroker.i18n.translate import _

#: Longest address accepted (RFC 5321 path limit 256 minus the angle brackets).
MAX_ADDRESS_CHARS = 254
#: Longest local part (RFC 5321 section 4.5.3.1.1).
MAX_LOCAL_PART_CHARS = 64
#: Longest subject, in characters.
MAX_SUBJECT_CHARS = 200
#: Largest body, in bytes of UTF-8.
MAX_BODY_BYTES = 64 * 1024

# RFC 5322 "atext": what an unquoted local part may contain besides dots.
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Characters that end a header line for some reader (CR, LF and the Unicode line breaks).
_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _control_chars(text: str, allowed: str = "") -> list[str]:
    return [ch for ch in text if (ord(ch) < 32 or ord(ch) == 127) and ch not in allowed]


def _check_unicode(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        if what == "subject":
            message = _("subject is not valid Unicode (it holds a lone surrogate)")
        else:
            message = _("message is not valid Unicode (it holds a lone surrogate)")
        raise InvalidMessageError(message, reason="bad_unicode") from None


def validate_address(text: object) -> str:
    """Return the normalised address (domain in lower-case ASCII) or raise InvalidAddressError.

    Accepts ``local@domain`` with an unquoted ASCII local part and a host name domain
    (internationalised names are converted to their ASCII form). Refuses display names,
    quoted local parts, address literals, control characters and anything over the
    RFC 5321 lengths, each with a precise ``reason``.
    """
    if not isinstance(text, str):
        raise InvalidAddressError(
            _("recipient must be text, got {kind}").format(kind=type(text).__name__),
            reason="not_text",
        )
    address = text.strip(" \t")
    if not address:
        raise InvalidAddressError(_("recipient is empty"), reason="empty")
    if len(address) > MAX_ADDRESS_CHARS:
        raise InvalidAddressError(
            _("recipient is too long: {count} characters, at most {limit}").format(
                count=len(address), limit=MAX_ADDRESS_CHARS
            ),
            reason="too_long",
        )
    if _control_chars(address) or any(ch in _LINE_BREAKS for ch in address):
        raise InvalidAddressError(
            _("recipient contains a control character or line break"), reason="control_char"
        )
    if any(ch.isspace() for ch in address):
        raise InvalidAddressError(_("recipient contains white space"), reason="whitespace")
    if "<" in address or ">" in address:
        raise InvalidAddressError(
            _(
                "recipient must be a bare address such as user@example.com, "
                "without a display name or angle brackets"
            ),
            reason="display_name",
        )
    if "@" not in address:
        raise InvalidAddressError(_("recipient has no '@'"), reason="no_at")
    if address.count("@") > 1 or '"' in address:
        raise InvalidAddressError(
            _("recipient has more than one '@' or a quoted local part (not supported)"),
            reason="quoted",
        )
    local, domain = address.split("@")
    return f"{_check_local(local)}@{_check_domain(domain)}"


def _check_local(local: str) -> str:
    if not local:
        raise InvalidAddressError(_("recipient has nothing before '@'"), reason="no_local_part")
    if not local.isascii():
        raise InvalidAddressError(
            _("the part before '@' has non-ASCII characters (SMTPUTF8 is not supported)"),
            reason="non_ascii_local_part",
        )
    if len(local) > MAX_LOCAL_PART_CHARS:
        raise InvalidAddressError(
            _("the part before '@' is too long: {count} characters, at most {limit}").format(
                count=len(local), limit=MAX_LOCAL_PART_CHARS
            ),
            reason="local_part_too_long",
        )
    for atom in local.split("."):
        if not atom:
            raise InvalidAddressError(
                _("the part before '@' starts or ends with a dot or has two dots in a row"),
                reason="misplaced_dot",
            )
        if not _ATEXT.fullmatch(atom):
            bad = next(ch for ch in atom if not _ATEXT.fullmatch(ch))
            raise InvalidAddressError(
                _(
                    "the part before '@' contains {character}, which would need quoting "
                    "(not supported)"
                ).format(character=repr(bad)),
                reason="bad_local_char",
            )
    return local


def _check_domain(domain: str) -> str:
    if not domain:
        raise InvalidAddressError(_("recipient has nothing after '@'"), reason="no_domain")
    if domain.startswith("["):
        raise InvalidAddressError(
            _("address literals such as user@[192.0.2.1] are not supported"),
            reason="address_literal",
        )
    if domain.endswith("."):
        raise InvalidAddressError(_("the domain ends with a dot"), reason="bad_domain")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidAddressError(
                _("the domain is not a valid internationalised domain name"),
                reason="bad_domain",
            ) from None
    domain = domain.lower()
    if len(domain) > 253:
        raise InvalidAddressError(
            _("the domain is longer than 253 characters"), reason="bad_domain"
        )
    labels = domain.split(".")
    if len(labels) < 2:
        raise InvalidAddressError(
            _("the domain has no dot: a public domain such as example.com is needed"),
            reason="bad_domain",
        )
    if labels[-1].isdigit():
        raise InvalidAddressError(
            _("the domain looks like an IP address; address literals are not supported"),
            reason="address_literal",
        )
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise InvalidAddressError(
                _(
                    "the domain label {label} is not valid: 1-63 letters, digits or '-', "
                    "not starting or ending with '-'"
                ).format(label=repr(label)),
                reason="bad_domain",
            )
    return domain


def validate_subject(text: object) -> str:
    """Return ``text`` if it is a one-line subject of at most MAX_SUBJECT_CHARS characters.

    A CR or LF (or any other line break or control character) is refused: in a header it
    would let the caller inject headers of their own. Raises InvalidMessageError; the
    message never echoes the subject.
    """
    if not isinstance(text, str):
        raise InvalidMessageError(
            _("subject must be text, got {kind}").format(kind=type(text).__name__),
            reason="not_text",
        )
    if len(text) > MAX_SUBJECT_CHARS:
        raise InvalidMessageError(
            _("subject is too long: {count} characters, at most {limit}").format(
                count=len(text), limit=MAX_SUBJECT_CHARS
            ),
            reason="too_long",
        )
    if any(ch in _LINE_BREAKS for ch in text):
        raise InvalidMessageError(
            _(
                "subject must be a single line: it contains a line break (CR/LF), "
                "which could inject mail headers"
            ),
            reason="line_break",
        )
    if _control_chars(text, allowed="\t"):
        raise InvalidMessageError(_("subject contains a control character"), reason="control_char")
    _check_unicode(text, "subject")
    return text


def validate_body(text: object) -> str:
    """Return ``text`` if it is a non-empty body of at most MAX_BODY_BYTES bytes of UTF-8.

    Raises InvalidMessageError (reason ``not_text``, ``empty``, ``too_long``,
    ``control_char`` or ``bad_unicode``); the message gives sizes only, never the text.
    """
    if not isinstance(text, str):
        raise InvalidMessageError(
            _("message must be text, got {kind}").format(kind=type(text).__name__),
            reason="not_text",
        )
    if not text.strip():
        raise InvalidMessageError(_("message is empty"), reason="empty")
    _check_unicode(text, "message")
    size = len(text.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise InvalidMessageError(
            _("message is too long: {count} bytes of UTF-8, at most {limit}").format(
                count=size, limit=MAX_BODY_BYTES
            ),
            reason="too_long",
        )
    if "\x00" in text:
        raise InvalidMessageError(_("message contains a NUL character"), reason="control_char")
    return text


def mask_address(address: object) -> str:
    """Mask an address for logs: ``alice@example.com`` -> ``a****@example.com``."""
    if not isinstance(address, str) or "@" not in address:
        return "<invalid>"
    local, _sep, domain = address.rpartition("@")
    return f"{local[:1]}{'*' * max(len(local) - 1, 1)}@{domain}"


@dataclass(frozen=True, repr=False)
class MailMessage:
    """One e-mail to send; validated on creation, subject and body never shown.

    ``recipient`` is stored normalised (see :func:`validate_address`).
    """

    recipient: str
    subject: str
    body: str

    def __post_init__(self) -> None:
        """Validate every field (InvalidAddressError / InvalidMessageError)."""
        object.__setattr__(self, "recipient", validate_address(self.recipient))
        validate_subject(self.subject)
        validate_body(self.body)

    def __repr__(self) -> str:
        """Masked recipient and lengths only."""
        return (
            f"MailMessage(recipient={mask_address(self.recipient)!r}, "
            f"subject=<masked {len(self.subject)} chars>, body=<masked {len(self.body)} chars>)"
        )

    __str__ = __repr__


class MailFailure(enum.StrEnum):
    """Why a mail was not sent (``MailResult.reason``)."""

    NO_ACCOUNT = "no_account"
    """No active mail account is configured."""
    LIMIT_REACHED = "limit_reached"
    """Every active account has used its daily limit."""
    RECIPIENT_REJECTED = "recipient_rejected"
    """A server definitely refused the recipient: no other account is tried."""
    SEND_FAILED = "send_failed"
    """Every account that was tried failed."""


@dataclass(frozen=True)
class MailResult:
    """The outcome of one send: which account sent it, or why none did.

    ``attempts`` lists ``(account name, error)`` for every account that failed, in the
    order tried; no error ever contains the subject or body.
    """

    ok: bool
    account: str | None
    error: str | None
    attempts: list[tuple[str, str]] = field(default_factory=list)
    reason: MailFailure | None = None


@runtime_checkable
class MailSender(Protocol):
    """Sends one e-mail through whichever configured account can take it."""

    def send(self, message: MailMessage) -> MailResult:
        """Send ``message``; never raises for a delivery problem (it is in the result)."""
        ...


__all__ = [
    "MAX_ADDRESS_CHARS",
    "MAX_BODY_BYTES",
    "MAX_SUBJECT_CHARS",
    "MailFailure",
    "MailMessage",
    "MailResult",
    "MailSender",
    "mask_address",
    "validate_address",
    "validate_body",
    "validate_subject",
]
