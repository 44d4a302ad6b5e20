"""Dates, numbers and rupiah written for a language (Babel's CLDR data)."""

from __future__ import annotations

from datetime import datetime

from babel import Locale, dates, numbers

from otpbroker.i18n.translate import current_language

#: Babel locales of our languages: Indonesian as written in Indonesia, English as in the UK
#: (day before month, a 24-hour clock, like the rest of the device).
LOCALES = {"en": "en_GB", "id": "id_ID"}


def _locale(language: str | None) -> str:
    return LOCALES.get(language or current_language(), LOCALES["en"])


def format_datetime(moment: datetime, language: str | None = None) -> str:
    """A date and time to the minute (``7 Des 2026 09.30`` in Indonesian)."""
    locale = Locale.parse(_locale(language))
    day = dates.format_date(moment, "medium", locale=locale)
    clock = dates.format_time(moment, "short", tzinfo=moment.tzinfo, locale=locale)
    return str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", clock)


def format_date(moment: datetime, language: str | None = None) -> str:
    """A date, medium length."""
    return dates.format_date(moment, "medium", locale=_locale(language))


def format_number(value: float, language: str | None = None) -> str:
    """A number with the language's grouping and decimal marks (``10.000,5`` in Indonesian)."""
    return numbers.format_decimal(value, locale=_locale(language))


def format_rupiah(amount: float, language: str | None = None) -> str:
    """An amount in rupiah, whole rupiah as people write them (``Rp 10.000``)."""
    whole = numbers.format_decimal(round(amount), format="#,##0", locale=_locale(language))
    return f"Rp\xa0{whole}"
