"""Which language a header, a locale or a stored code asks for; anything else is English."""

from __future__ import annotations

import threading

import pytest

from otpbroker.i18n.negotiate import environment_language, preferred_language
from otpbroker.i18n.translate import _, current_language, supported, use_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7", "id"),  # an Indonesian phone's Chrome
        ("en-GB,en;q=0.9,id;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,id;q=0.5", "id"),  # French first: not ours, Indonesian next
        ("en;q=0.4, id;q=0.6", "id"),  # weights, not order
        ("in", "id"),  # the withdrawn code some systems still send
        ("id;q=0, en", "en"),  # q=0: not acceptable
        ("id;q=abc, en", "en"),  # a malformed weight counts as 0
        ("*", ""),
        ("fr, de", ""),
        ("", ""),
        (None, ""),
        (",,;;=,q=", ""),
        ("xx-" + "a" * 5000, ""),
    ],
)
def test_accept_language(header: str | None, expected: str) -> None:
    assert preferred_language(header) == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "id_ID.UTF-8"}, "id"),
        ({"LANG": "C.UTF-8"}, ""),
        ({"LANG": "en_GB.UTF-8", "LC_ALL": "id_ID.UTF-8"}, "id"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "id:en"}, "id"),
        ({"LANG": "C", "LANGUAGE": "id"}, ""),  # LANGUAGE counts only with a locale, as in gettext
        ({"LANG": "fr_FR.UTF-8"}, ""),
        ({}, ""),
    ],
)
def test_locale_variables(environ: dict[str, str], expected: str) -> None:
    assert environment_language(environ) == expected


@pytest.mark.parametrize("code", ["xx", "fr", "", None, "id-ID-x-private-" + "z" * 300])
def test_unknown_codes_are_english(code: str | None) -> None:
    assert supported(code) in ("", "id")
    with use_language(code) as used:
        assert used in ("en", "id") and current_language() == used


def test_each_thread_keeps_its_own_language() -> None:
    """Two requests served at once on cheroot's threads never see each other's language."""
    seen: dict[str, str] = {}
    both_set = threading.Barrier(2)

    def serve(code: str) -> None:
        with use_language(code):
            both_set.wait(timeout=10)
            seen[code] = _("Save")

    threads = [threading.Thread(target=serve, args=(code,)) for code in ("id", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert seen == {"id": "Simpan", "en": "Save"}
    assert current_language() == "en"
