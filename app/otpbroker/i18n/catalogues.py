"""The message catalogues: ``locale/<language>/LC_MESSAGES/messages.po``, read with Babel.

Catalogues are compiled in memory when first needed (no ``.mo`` file to go stale or to
ship); ``install`` makes them the loader of ``translate``. ``script_messages`` is the part
of a catalogue the admin's scripts use, sent to the browser with each page.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po

from otpbroker.i18n import translate

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
SCRIPT_SUFFIX = ".js"


def po_path(language: str) -> Path:
    """Where the catalogue of ``language`` lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(language: str, path: Path | None = None) -> Catalog:
    """The parsed ``.po`` file of ``language``; a malformed file raises ``PoFileError``."""
    with (path or po_path(language)).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN, abort_invalid=True)


def compile_problems(language: str, path: Path | None = None) -> list[str]:
    """Why the catalogue would not compile cleanly (syntax, placeholders); [] when it does."""
    try:
        catalog = read_catalogue(language, path)
    except PoFileError as error:
        return [f"malformed: {error}"]
    problems = [f"{message.id!r}: {e}" for message, errors in catalog.check() for e in errors]
    compile_catalogue(catalog)
    return problems


def compile_catalogue(catalog: Catalog) -> bytes:
    """The ``.mo`` bytes of a catalogue (fuzzy entries left out, as gettext does)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


@lru_cache(maxsize=4)
def _installed(language: str) -> Catalog | None:
    """The shipped catalogue of ``language``, parsed once (None: there is none)."""
    return read_catalogue(language) if po_path(language).is_file() else None


def load(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language``; English (no catalogue) for anything else."""
    catalog = _installed(language)
    if catalog is None:
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_catalogue(catalog)))


@lru_cache(maxsize=4)
def script_messages(language: str) -> dict[str, str]:
    """msgid -> translation of every message found in the admin's scripts."""
    catalog = None if language == translate.ENGLISH else _installed(language)
    if catalog is None:
        return {}
    found: dict[str, str] = {}
    for message in catalog:
        in_script = any(str(path).endswith(SCRIPT_SUFFIX) for path, _line in message.locations)
        usable = isinstance(message.id, str) and isinstance(message.string, str)
        if usable and in_script and message.id and message.string and not message.fuzzy:
            found[str(message.id)] = str(message.string)
    return found


def install() -> None:
    """Make these catalogues the loader of ``translate`` (entry points call this once)."""
    translate.set_loader(load)
