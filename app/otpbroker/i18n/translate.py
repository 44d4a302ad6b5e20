"""Messages in the current language: ``_``, ``ngettext``, ``N_`` and ``use_language``.

The language is a context variable: each admin request, e-mail or CLI run sets its own, so
threads serving different people never see each other's. English is the default and the
fallback for anything unknown. The catalogues are read by a loader the entry point installs
(``catalogues.install``); without one every message stays English.
"""

from __future__ import annotations

import contextvars
import gettext
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ENGLISH = "en"
INDONESIAN = "id"
LANGUAGES: tuple[str, ...] = (ENGLISH, INDONESIAN)
#: Each language named in itself (what a language picker shows).
LANGUAGE_NAMES = {ENGLISH: "English", INDONESIAN: "Bahasa Indonesia"}

Loader = Callable[[str], gettext.NullTranslations]

_current: contextvars.ContextVar[str] = contextvars.ContextVar("otpb_language", default=ENGLISH)
_state: dict[str, Loader | None] = {"loader": None}
_loaded: dict[str, gettext.NullTranslations] = {}
_lock = threading.Lock()
_UNTRANSLATED = gettext.NullTranslations()  # English: the messages as they are


def supported(code: str | None) -> str:
    """``en`` or ``id`` for a tag (``id-ID``, ``in``, ``en_GB.UTF-8``); ``""`` if neither."""
    primary = str(code or "").strip().replace("_", "-").split(".")[0].split("-")[0].lower()
    if primary in ("id", "in"):  # "in" is the withdrawn ISO 639 code some systems still send
        return INDONESIAN
    return ENGLISH if primary == ENGLISH else ""


def set_loader(loader: Loader | None) -> None:
    """Install the catalogue reader (None: English only) and forget what was loaded."""
    with _lock:
        _state["loader"] = loader
        _loaded.clear()


def current_language() -> str:
    """The language of the current request or task."""
    return _current.get()


def set_language(code: str | None) -> contextvars.Token[str]:
    """Switch the current context to ``code`` (unknown: English); reset with the token."""
    return _current.set(supported(code) or ENGLISH)


def reset_language(token: contextvars.Token[str]) -> None:
    """Undo a ``set_language``."""
    _current.reset(token)


@contextmanager
def use_language(code: str | None) -> Iterator[str]:
    """Run a block in ``code`` (unknown: English); yields the language used."""
    token = set_language(code)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def translations(language: str | None = None) -> gettext.NullTranslations:
    """The catalogue of ``language`` (default: the current one), loaded once."""
    code = supported(language) if language else _current.get()
    loader = _state["loader"]
    if code in ("", ENGLISH) or loader is None:
        return _UNTRANSLATED
    found = _loaded.get(code)  # every message looks here: no lock once loaded
    if found is not None:
        return found
    with _lock:
        if code not in _loaded:
            _loaded[code] = loader(code)
        return _loaded[code]


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count`` in the current language."""
    return translations().ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """``message`` as meant in ``context``, in the current language (one English word can
    need two Indonesian ones: a feeder's "Received" count is not the received SMS)."""
    return translations().pgettext(context, message)


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools look for
    """Mark ``message`` for the catalogues without translating it (translate where shown)."""
    return message
