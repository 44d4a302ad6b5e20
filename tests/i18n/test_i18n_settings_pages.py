"""The settings pages and the configuration's messages in Bahasa Indonesia, English by default.

A browser that asks for Indonesian (``Accept-Language: id``) reads the labels, hints, choice
names and refusals of the SMS setting, sending limits, e-mail, feeders, webhooks and fleet
pages in Indonesian; one that asks for nothing reads them in English. The schema's docs stay
English in ``docs/configuration.md`` whatever the language.
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "admin"))
sys.path.insert(0, str(TESTS / "api"))
from admin_client import AdminClient, LanguageClient  # noqa: E402
from broker_harness import BrokerHarness, running_broker  # noqa: E402

from otpbroker.config import docs, schema  # noqa: E402
from otpbroker.config.errors import ConfigError  # noqa: E402
from otpbroker.i18n import catalogues  # noqa: E402
from otpbroker.i18n.translate import use_language  # noqa: E402

ROOT = TESTS.parent


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerHarness]:
    yield from running_broker(tmp_path_factory.mktemp("i18n-settings") / "data")


@pytest.fixture(scope="module")
def owner(harness: BrokerHarness) -> tuple[str, str]:
    """The first administrator (created once for the module)."""
    client = AdminClient(harness.base)
    client.setup(harness.code)
    return ("owner", "owner-password-1")


def client(harness: BrokerHarness, owner: tuple[str, str], language: str | None) -> AdminClient:
    """A logged-in client asking for ``language`` (None: no Accept-Language)."""
    browser = LanguageClient(harness.base, language)
    assert browser.login(*owner) == 303
    return browser


def text(page: str) -> str:
    """The page's words, tags left out and entities decoded."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def indonesian(harness: BrokerHarness, owner: tuple[str, str]) -> AdminClient:
    return client(harness, owner, "id-ID,id;q=0.9,en;q=0.5")


@pytest.fixture
def english(harness: BrokerHarness, owner: tuple[str, str]) -> AdminClient:
    return client(harness, owner, None)


def test_sending_limits_in_indonesian(indonesian: AdminClient) -> None:
    status, page, _ = indonesian.get("/limits")
    words = text(page)
    assert status == 200 and "<title>Batas pengiriman" in page
    assert "Per awalan nomor, per jam" in words and "Awalan nomor yang ditolak" in words
    assert "Pesan yang diterima untuk satu nomor per jam. 0 = tanpa batas." in words
    assert "Bawaan: 5." in words and "Nilai yang diizinkan: 0 sampai 10000." in words
    assert "Simpan" in words and "Per prefix, per hour" not in words


def test_a_refused_value_is_explained_in_indonesian(indonesian: AdminClient) -> None:
    indonesian.get("/limits")
    status, page, _ = indonesian.post("/limits", {"limits.prefix_per_hour": "-1"})
    words = text(page)
    assert status == 400 and "harus antara 0 dan 100000, bukan -1" in words
    assert "Tidak ada yang disimpan. Perbaiki: Per awalan nomor, per jam." in words
    status, page, _ = indonesian.post("/limits", {"limits.denied_prefixes": "62899, 62a1"})
    words = text(page)
    assert status == 400 and "butir 1 harus 1-15 angka dalam bentuk MSISDN" in words
    assert "bukan '62a1'" in words


def test_sending_limits_in_english_by_default(english: AdminClient) -> None:
    status, page, _ = english.get("/limits")
    words = text(page)
    assert status == 200 and "<title>Sending limits" in page
    assert "Per prefix, per hour" in words and "Default: 5." in words
    status, page, _ = english.post("/limits", {"limits.prefix_per_hour": "-1"})
    assert status == 400 and "must be between 0 and 100000, got -1" in text(page)


def test_sms_setting_shows_translated_choice_names_and_keeps_the_values(
    indonesian: AdminClient, english: AdminClient
) -> None:
    page = indonesian.get("/sms-settings")[1]
    assert "<title>Pengaturan SMS" in page and "Penerima di pantauan" in text(page)
    assert '<option value="masked" selected>disamarkan</option>' in page
    assert '<option value="full">lengkap</option>' in page
    assert "Semua kolom disimpan bersamaan" in text(page)
    page = english.get("/sms-settings")[1]
    assert '<option value="masked" selected>masked</option>' in page


def test_a_refused_number_in_a_settings_form_in_indonesian(indonesian: AdminClient) -> None:
    indonesian.get("/sms-settings")
    status, page, _ = indonesian.post("/sms-settings", {"sms.max_parts": "lima"})
    assert status == 400 and "harus bilangan bulat, bukan 'lima'" in text(page)


def test_feeders_page_in_indonesian(indonesian: AdminClient, english: AdminClient) -> None:
    words = text(indonesian.get("/feeders")[1])
    assert "Uji koneksi" in words and "Galat terakhir" in words and "Server" in words
    assert "Ambil pesan dari RabbitMQ." in words and "Port server MQTT." in words
    assert "Simpan RabbitMQ" in words
    assert "Consume messages from RabbitMQ." in text(english.get("/feeders")[1])


def test_mail_webhooks_and_fleet_pages_in_indonesian(indonesian: AdminClient) -> None:
    words = text(indonesian.get("/mail")[1])
    assert "Tambah akun email" in words and "Batas harian" in words
    assert "Kirim email uji coba" in words
    indonesian.get("/mail")
    status, page, _ = indonesian.post("/mail", {"name": "g", "kind": "smtp", "port": "x",
                                                "security": "starttls", "sender": "a@b.id"})  # fmt: skip
    assert status == 400 and "harus bilangan bulat, bukan 'x'" in text(page)
    words = text(indonesian.get("/webhooks")[1])
    assert "Tambah webhook" in words and "Belum ada webhook: tambahkan di bawah." in words
    words = text(indonesian.get("/fleet")[1])
    assert "buku catatan bersama nonaktif" in words and "Id pesan" in words


def test_validation_messages_follow_the_current_language() -> None:
    catalogues.install()  # as every entry point does
    with pytest.raises(ConfigError) as english:
        schema.validate("api.http_port", 0)
    with use_language("id"), pytest.raises(ConfigError) as indonesian:
        schema.validate("api.http_port", 0)
    with use_language("id"), pytest.raises(ConfigError) as unknown:
        schema.parse("sms.max_partz", "3")
    assert english.value.rule == "must be between 1 and 65535, got 0"
    assert indonesian.value.rule == "harus antara 1 dan 65535, bukan 0"
    assert unknown.value.rule == "pengaturan tidak dikenal (maksud Anda 'sms.max_parts'?)"


def test_the_generated_configuration_docs_stay_english() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    catalogues.install()
    with use_language("id"):
        rendered = docs.render_markdown()
    assert rendered == committed


def test_every_field_of_every_settings_form_has_a_label_from_the_catalogue() -> None:
    """A label made from the key (``Stop timeout seconds``) could not be translated."""
    import importlib
    import pkgutil

    from otpbroker.config.schema import SETTINGS
    from otpbroker.web.admin import pages
    from otpbroker.web.admin.settings_form import SettingsForm

    current = {spec.key: spec.default for spec in SETTINGS}
    unlabelled = []
    for info in pkgutil.iter_modules(pages.__path__):
        module = importlib.import_module(f"{pages.__name__}.{info.name}")
        for form in (v for v in vars(module).values() if isinstance(v, SettingsForm)):
            unlabelled += [key for key in form.keys(current) if not form.labels.get(key)]
    assert unlabelled == []
