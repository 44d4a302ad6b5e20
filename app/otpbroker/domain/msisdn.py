"""Phone number (MSISDN) and routing-prefix normalisation, and masking for logs.

Rules (same for numbers and prefixes):

* spaces (any white space), dashes, dots and parentheses are removed;
* ``+<cc>...`` becomes ``<cc>...``; ``00<cc>...`` becomes ``<cc>...``;
* a national number ``0...`` becomes ``<country_code>...`` (``08126666666`` -> ``628126666666``);
* anything else made of digits is taken as already in MSISDN form (``62...`` stays);
* the result has digits only and never starts with ``0``.

A number must have 6..15 digits (E.164), a prefix 1..15 digits. Refusals are written in
the current language (English for the REST API and the feeders).
"""

from __future__ import annotations

from otpbroker.domain.errors import InvalidNumberError
from otpbroker.i18n.translate import N_, _

MIN_MSISDN_DIGITS = 6
MAX_MSISDN_DIGITS = 15
MIN_PREFIX_DIGITS = 1
MAX_PREFIX_DIGITS = 15

_DIGITS = frozenset("0123456789")
_SEPARATORS = frozenset("-.()")
_SHOWN_BAD_CHARS = 5
#: Each refusal as a whole sentence for a number and for a prefix (word order differs).
_TEXTS: dict[str, dict[str, str]] = {
    "number": {
        "not_text": N_("phone number must be text, got {type}"),
        "empty": N_("phone number is empty"),
        "misplaced_plus": N_("phone number has a '+' that is not at the start"),
        "letters": N_(
            "phone number contains letters ({chars}); only digits, spaces, '-', '.', '(', ')' "
            "and a leading '+' are allowed"
        ),
        "not_digits": N_(
            "phone number contains characters that are not digits ({chars}); only digits, "
            "spaces, '-', '.', '(', ')' and a leading '+' are allowed"
        ),
        "no_digits_plus": N_("phone number has no digits after '+'"),
        "no_digits_00": N_("phone number has no digits after '00'"),
        "bad_country_code": N_("phone number has an international country code starting with 0"),
        "too_short": N_("phone number is too short: {count} digits, at least {limit} required"),
        "too_long": N_("phone number is too long: {count} digits, at most {limit} allowed"),
    },
    "prefix": {
        "not_text": N_("prefix must be text, got {type}"),
        "empty": N_("prefix is empty"),
        "misplaced_plus": N_("prefix has a '+' that is not at the start"),
        "letters": N_(
            "prefix contains letters ({chars}); only digits, spaces, '-', '.', '(', ')' and a "
            "leading '+' are allowed"
        ),
        "not_digits": N_(
            "prefix contains characters that are not digits ({chars}); only digits, spaces, "
            "'-', '.', '(', ')' and a leading '+' are allowed"
        ),
        "no_digits_plus": N_("prefix has no digits after '+'"),
        "no_digits_00": N_("prefix has no digits after '00'"),
        "bad_country_code": N_("prefix has an international country code starting with 0"),
        "too_short": N_("prefix is too short: {count} digits, at least {limit} required"),
        "too_long": N_("prefix is too long: {count} digits, at most {limit} allowed"),
    },
}


def _check_country_code(country_code: str) -> None:
    if not (
        isinstance(country_code, str)
        and 1 <= len(country_code) <= 3
        and all(c in _DIGITS for c in country_code)
        and country_code[0] != "0"
    ):
        raise ValueError(
            f"country code must be 1 to 3 digits not starting with 0: {country_code!r}"
        )


def _refused(what: str, text: str, reason: str, **values: object) -> InvalidNumberError:
    """The refusal ``text`` of ``what`` ("number" or "prefix") in the current language."""
    return InvalidNumberError(_(_TEXTS[what][text]).format(**values), reason=reason)


def _bad_chars(what: str, bad: list[str]) -> InvalidNumberError:
    shown = repr("".join(dict.fromkeys(bad))[:_SHOWN_BAD_CHARS])
    text = "letters" if any(c.isalpha() for c in bad) else "not_digits"
    return _refused(what, text, "invalid_character", chars=shown)


def _normalize(raw: object, country_code: str, what: str, min_len: int, max_len: int) -> str:
    _check_country_code(country_code)
    if not isinstance(raw, str):
        raise _refused(what, "not_text", "not_text", type=type(raw).__name__)
    cleaned = "".join(c for c in raw if not c.isspace() and c not in _SEPARATORS)
    if not cleaned:
        raise _refused(what, "empty", "empty")

    international = cleaned.startswith("+")
    body = cleaned[1:] if international else cleaned
    if "+" in body:
        raise _refused(what, "misplaced_plus", "misplaced_plus")
    bad = [c for c in body if c not in _DIGITS]
    if bad:
        raise _bad_chars(what, bad)
    if not body:
        raise _refused(what, "no_digits_plus", "empty")

    if international:
        digits = body
    elif body.startswith("00"):
        digits = body[2:]
        international = True
    elif body.startswith("0"):
        digits = country_code + body[1:]
    else:
        digits = body

    if international:
        if not digits:
            raise _refused(what, "no_digits_00", "empty")
        if digits[0] == "0":
            raise _refused(what, "bad_country_code", "bad_country_code")
    if len(digits) < min_len:
        raise _refused(what, "too_short", "too_short", count=len(digits), limit=min_len)
    if len(digits) > max_len:
        raise _refused(what, "too_long", "too_long", count=len(digits), limit=max_len)
    return digits


def normalize_msisdn(raw: str, country_code: str = "62") -> str:
    """Return ``raw`` in MSISDN form (digits only, 6..15) or raise InvalidNumberError."""
    return _normalize(raw, country_code, "number", MIN_MSISDN_DIGITS, MAX_MSISDN_DIGITS)


class Msisdn(str):
    """A number in MSISDN form, made by ``Msisdn.parse``: whoever is handed one takes it as
    it is and never normalises it again."""

    __slots__ = ()

    @classmethod
    def parse(cls, raw: str, country_code: str = "62") -> Msisdn:
        """``raw`` normalised (``normalize_msisdn``); an ``Msisdn`` is returned unchanged."""
        if isinstance(raw, Msisdn):
            return raw
        return cls(normalize_msisdn(raw, country_code))


def normalize_prefix(raw: str, country_code: str = "62") -> str:
    """Return a routing prefix in MSISDN form (``0871`` -> ``62871``, 1..15 digits)."""
    return _normalize(raw, country_code, "prefix", MIN_PREFIX_DIGITS, MAX_PREFIX_DIGITS)


def mask_msisdn(msisdn: str) -> str:
    """Mask a number for logs and the monitor: ``628126666666`` -> ``6281******66``.

    Numbers of 8 or more characters keep their first 4 and last 2; shorter ones keep only
    their first 2 (so at least half is always hidden). Non-text input gives ``"<invalid>"``.
    """
    if not isinstance(msisdn, str):
        return "<invalid>"
    n = len(msisdn)
    if n >= 8:
        return msisdn[:4] + "*" * (n - 6) + msisdn[-2:]
    keep = min(2, n // 2)
    return msisdn[:keep] + "*" * (n - keep)


__all__ = [
    "MAX_MSISDN_DIGITS",
    "MAX_PREFIX_DIGITS",
    "MIN_MSISDN_DIGITS",
    "MIN_PREFIX_DIGITS",
    "Msisdn",
    "mask_msisdn",
    "normalize_msisdn",
    "normalize_prefix",
]
