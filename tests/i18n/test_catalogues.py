"""The message catalogues: every message in the code is in both, translated, and compiles.

The messages are extracted from the code the way ``make catalogues`` does (``pybabel
extract`` with ``app/babel.cfg``, our template extractor included) and compared with the
committed template and the English and Indonesian catalogues: none missing, none unused,
every Indonesian entry translated (not fuzzy), the same placeholders on both sides, and each
catalogue compiled with Babel's checks.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from otpbroker.i18n import catalogues

APP = Path(__file__).resolve().parents[2] / "app"
PYBABEL = Path(sys.executable).with_name("pybabel")
LANGUAGES = ("en", "id")
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}|%\([a-z_]+\)[sdf]|%[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What the code holds now, extracted as ``make catalogues`` does."""
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    command = [str(PYBABEL), "-q", "extract", "-F", "babel.cfg", "--no-wrap", "-o", str(out), "."]
    subprocess.run(command, cwd=APP, check=True, timeout=120)
    with out.open("rb") as handle:
        return read_po(handle)


def ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in catalog if message.id}


def plural_aware_strings(message: Message) -> list[str]:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return [str(s) for s in strings]


def test_the_committed_template_is_what_the_code_holds(extracted: Catalog) -> None:
    with catalogues.TEMPLATE.open("rb") as handle:
        committed = ids(read_po(handle))
    assert sorted(map(str, ids(extracted) - committed)) == [], "run `make catalogues`"
    assert sorted(map(str, committed - ids(extracted))) == [], "run `make catalogues`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_in_the_catalogue_and_none_is_unused(
    extracted: Catalog, language: str
) -> None:
    catalogue = catalogues.read_catalogue(language)
    missing = sorted(map(str, ids(extracted) - ids(catalogue)))
    unused = sorted(map(str, ids(catalogue) - ids(extracted)))
    assert missing == [], f"not in {language}: run `make catalogues` and translate"
    assert unused == [], f"unused in {language}: run `make catalogues`"


def test_every_indonesian_message_is_translated() -> None:
    catalogue = catalogues.read_catalogue("id")
    untranslated = [
        str(m.id) for m in catalogue if m.id and (m.fuzzy or not all(plural_aware_strings(m)))
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    wrong = []
    for message in catalogues.read_catalogue(language):
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = sorted(set(PLACEHOLDER.findall(sources[-1])))
        for text in plural_aware_strings(message):
            if text and sorted(set(PLACEHOLDER.findall(text))) != expected:
                wrong.append((str(message.id), text))
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_compiles_with_babels_checks(language: str) -> None:
    assert catalogues.compile_problems(language) == []
    catalogue = catalogues.read_catalogue(language)
    compiled = read_mo(io.BytesIO(catalogues.compile_catalogue(catalogue)))
    translated = {key(m.id) for m in catalogue if m.id and m.string and not m.fuzzy}
    assert {key(m.id) for m in compiled if m.id} == translated


def key(message_id: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    """A message id that a set can hold (read_mo gives a plural's ids as a list)."""
    return message_id if isinstance(message_id, str) else tuple(message_id)


HEADER = 'msgid ""\nmsgstr ""\n"Language: id\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('#, python-format\nmsgid "Hello %(name)s"\nmsgstr "Halo %(nama)s"\n', "placeholder"),
        ('msgid "Hello"\nmsgstr "Halo"\nthis line is no keyword\n', "malformed"),
        ('msgid "Hello"\n', "malformed"),
    ],
)
def test_a_broken_catalogue_is_refused(tmp_path: Path, entry: str, problem: str) -> None:
    broken = tmp_path / "messages.po"
    broken.write_text(HEADER + entry, encoding="utf-8")
    problems = catalogues.compile_problems("id", broken)
    assert problems and problem in " ".join(problems), problems
