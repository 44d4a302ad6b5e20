"""The language a browser asks for, from its ``Accept-Language`` header (RFC 9110)."""

from __future__ import annotations

from collections.abc import Mapping

from otpbroker.i18n.translate import supported


def _weighted(header: str) -> list[tuple[float, int, str]]:
    """(quality, position, tag) for each range in the header; malformed weights count 0."""
    ranges = []
    for position, item in enumerate(header.split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        if tag.strip():
            ranges.append((quality, position, tag.strip()))
    return ranges


def preferred_language(header: str | None) -> str:
    """``en`` or ``id``: the supported language the header ranks first; ``""`` if none.

    Ranges with q=0 are refused; ``*`` and unknown languages do not choose; a tie keeps the
    header's order.
    """
    ranked = sorted(_weighted(str(header or "")[:1024]), key=lambda item: (-item[0], item[1]))
    for quality, _position, tag in ranked:
        if quality > 0 and supported(tag):
            return supported(tag)
    return ""


def environment_language(environ: Mapping[str, str]) -> str:
    """``en`` or ``id`` from the locale variables, in gettext's order; ``""`` if neither.

    ``LANGUAGE`` (a colon-separated list) counts only when a locale is set, as in gettext.
    """
    locale = next((environ[n] for n in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(n)), "")
    if locale and locale not in ("C", "POSIX"):
        for tag in environ.get("LANGUAGE", "").split(":"):
            if supported(tag):
                return supported(tag)
    return supported(locale)
