"""Autofill-ready OTP texts: the origin-bound code line and the Android app hash.

The origin-bound line follows the WICG draft "Origin-bound one-time codes delivered via
SMS": it is the message's last line, ``@<top-level host> #<code>``, then `` @<embedded
host>`` when the code is for a page embedded in an iframe; exactly one space between the
fields, the host first (an early draft marked the embedded host with '%'; the current one
uses '@'). iOS/macOS Safari and Chrome fill the code into the matching site.

The Android SMS Retriever hash (11 characters of base64 computed from the app's package
name and signing certificate) lets Google Play services hand the text to that app. Google's
server guide asks that the message contains the code and the hash and is at most 140
octets: one GSM 7-bit part of 160 septets.

``compose`` puts them together: the rendered template, then the hash on its own line, then
the origin-bound line (which must be last), separated by LF (one septet each). A text
that carries either must be one GSM 7-bit part; a longer or non-GSM text is refused, never
split (a split text loses the last-line rule and the 140-octet rule).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from otpbroker.domain import gsm7
from otpbroker.domain.errors import InvalidMessageError
from otpbroker.domain.otp import render_template

APP_HASH_CHARS = 11
APP_HASH_ALPHABET = "A-Z a-z 0-9 + /"
_APP_HASH = re.compile(r"[A-Za-z0-9+/]*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
MAX_HOST_CHARS = 253
MAX_LABEL_CHARS = 63


@dataclass(frozen=True)
class AutofillFormat:
    """What goes below the text: nothing when every field is empty."""

    domain: str = ""
    """Top-level host of the origin-bound line ("" = no such line)."""
    iframe_domain: str = ""
    """Embedded host (needs ``domain``)."""
    app_hash: str = ""
    """Android SMS Retriever app hash ("" = none)."""

    @property
    def enabled(self) -> bool:
        """True when the text gets an origin-bound line or an app hash."""
        return bool(self.domain or self.app_hash)


def _host_shape_problem(value: str) -> str | None:
    """Scheme, port, path, case and character mistakes, said plainly."""
    if value.startswith("@"):
        return "give the host name without '@': the device writes the line's '@' itself"
    if "://" in value:
        return "give the host name only, without a scheme such as https://"
    if "/" in value:
        return "give the host name only, without a path ('/')"
    if ":" in value:
        return "give the host name only, without a port (':')"
    if not value.isascii():
        return "must be ASCII: write an internationalised name in punycode (xn--...)"
    if value != value.lower():
        return f"must be lower case: write {value.lower()!r}"
    bad = next((ch for ch in value if not (ch.isalnum() or ch in ".-")), None)
    if bad is not None:
        return f"{bad!r} is not allowed in a host name (only a-z 0-9 . -)"
    return None


def _label_problem(label: str) -> str | None:
    if not label:
        return "has an empty label (a dot at the start or end, or two dots in a row)"
    if len(label) > MAX_LABEL_CHARS:
        return f"label {label[:20]!r}... is {len(label)} characters long, at most 63"
    if _LABEL.fullmatch(label) is None:
        return f"label {label!r} must not start or end with '-'"
    if label.startswith("xn--"):
        try:
            label[4:].encode("ascii").decode("punycode")
        except UnicodeError:
            return f"label {label!r} is not valid punycode"
    return None


def host_problem(value: str) -> str | None:
    """Why ``value`` is not a host name for an origin-bound line (lower-case ASCII), or None.

    Empty is allowed (the setting is off)."""
    if value == "":
        return None
    shape = _host_shape_problem(value)
    if shape is not None:
        return shape
    if len(value) > MAX_HOST_CHARS:
        return f"is {len(value)} characters long, at most {MAX_HOST_CHARS}"
    labels = value.split(".")
    for label in labels:
        problem = _label_problem(label)
        if problem is not None:
            return problem
    if labels[-1].isdigit():
        return "is an IP address or ends in a number: give a host name such as example.com"
    return None


def app_hash_problem(value: str) -> str | None:
    """Why ``value`` is not an SMS Retriever app hash, or None (empty is allowed)."""
    if value == "":
        return None
    if _APP_HASH.fullmatch(value) is None:
        bad = next(ch for ch in value if _APP_HASH.fullmatch(ch) is None)
        return f"{bad!r} is not allowed: the hash is base64 ({APP_HASH_ALPHABET})"
    if len(value) != APP_HASH_CHARS:
        return f"must be exactly {APP_HASH_CHARS} characters, got {len(value)}"
    return None


def origin_line(code: str, fmt: AutofillFormat) -> str:
    """``@<domain> #<code>`` and `` @<iframe domain>`` when there is one."""
    line = f"@{fmt.domain} #{code}"
    return f"{line} @{fmt.iframe_domain}" if fmt.iframe_domain else line


def single_part_problem(text: str) -> str | None:
    """Why ``text`` is not one GSM 7-bit SMS part, or None."""
    outside = gsm7.first_outside(text)
    if outside is not None:
        return (
            f"character {outside!r} (U+{ord(outside):04X}) is not in the GSM 7-bit alphabet; "
            "an autofill text must be one GSM 7-bit part"
        )
    used = gsm7.septets(text)
    if used > gsm7.SINGLE_PART_SEPTETS:
        return (
            f"the text takes {used} septets (^ {{ }} \\ [ ~ ] | and the euro sign count 2), "
            f"one GSM 7-bit part holds {gsm7.SINGLE_PART_SEPTETS}: "
            f"{used - gsm7.SINGLE_PART_SEPTETS} too many"
        )
    return None


def compose(template: str, code: str, fmt: AutofillFormat) -> str:
    """The SMS text for ``code``: the template, then the app hash, then the origin-bound line.

    Raises InvalidMessageError (reason ``too_long`` or ``not_gsm7``) when ``fmt`` is enabled
    and the text is not one GSM 7-bit part; ValueError for a code the line cannot carry.
    """
    if not code or not code.isascii() or not code.isalnum():
        raise ValueError("the code must be ASCII letters or digits")
    lines = [render_template(template, code)]
    if fmt.app_hash:
        lines.append(fmt.app_hash)
    if fmt.domain:
        lines.append(origin_line(code, fmt))
    text = "\n".join(lines)
    if fmt.enabled:
        problem = single_part_problem(text)
        if problem is not None:
            reason = "not_gsm7" if gsm7.first_outside(text) else "too_long"
            raise InvalidMessageError(problem, reason=reason)
    return text


__all__ = [
    "APP_HASH_CHARS",
    "AutofillFormat",
    "app_hash_problem",
    "compose",
    "host_problem",
    "origin_line",
    "single_part_problem",
]
