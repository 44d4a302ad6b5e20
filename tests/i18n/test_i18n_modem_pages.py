"""The modem pages and the home page in Bahasa Indonesia (``Accept-Language: id``) and in
English (no header, or a language the device does not have), on a running broker with one
emulated modem; the balance, quota and refusal texts in both languages without a server."""

from __future__ import annotations

import html
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from admin_client import AdminClient, LanguageClient
from broker_harness import BrokerHarness

from otpbroker.bootstrap import Machine
from otpbroker.domain import sim_state, sms_path
from otpbroker.domain.balance_rules import Balance
from otpbroker.domain.sim_quota import PacingRule
from otpbroker.i18n.translate import use_language
from otpbroker.services.balance_watch import BalanceResult
from otpbroker.services.self_test import SelfTestResult
from otpbroker.web.admin.app import refusal_answer
from otpbroker.web.admin.balance_view import balance_view
from otpbroker.web.admin.modem_reasons import (
    self_test_summary,
    sim_advice,
    sms_path_reason,
)
from otpbroker.web.admin.modem_words import word
from otpbroker.web.admin.quota_view import quota_view
from otpbroker.web.body_limit import Refusal


class NoSerialPorts:
    """No serial port on this machine (the pages list none, whatever the test host has)."""

    def serial_ports(self) -> list[dict[str, str]]:
        return []


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[BrokerHarness]:
    """A running broker with one ready emulated modem ("sim 0")."""
    h = BrokerHarness(tmp_path / "data", Machine(serial_ports=NoSerialPorts()))
    h.add_modem()
    h.start()
    yield h
    h.stop()


@pytest.fixture
def browser(harness: BrokerHarness) -> Callable[[str | None], LanguageClient]:
    """``browser(language)``: a client asking for ``language``; the first one sets up the
    administrator, later ones log in as it."""

    def make(language: str | None) -> LanguageClient:
        client = LanguageClient(harness.base, language)
        if not getattr(harness, "set_up", False):
            client.setup(harness.broker.setup_code.read())
            harness.set_up = True  # type: ignore[attr-defined]
        else:
            assert client.login("owner", "owner-password-1") == 303
        return client

    return make


def text_of(page: str) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def wait_ready(client: AdminClient, marker: str, timeout: float = 15.0) -> str:
    """The modems page once it shows ``marker`` (the modem's live state)."""
    deadline = time.monotonic() + timeout
    page = ""
    while time.monotonic() < deadline:
        page = client.get("/modems")[1]
        if marker in page:
            return page
        time.sleep(0.2)
    raise AssertionError(f"{marker!r} not shown")


def test_home_in_indonesian_and_english(browser: Callable[[str | None], LanguageClient]) -> None:
    indonesian = browser("id-ID,id;q=0.9,en;q=0.5")
    status, page, _headers = indonesian.get("/")
    assert status == 200 and '<html lang="id">' in page
    assert "<title>Status · OTP Broker</title>" in page
    for text in ("Layanan", "Pesan terkirim", "Alamat jaringan", "Beban CPU", "Berjalan selama"):
        assert text in page, text
    assert ">siap<" in page and "Messages sent" not in page
    status, page, _headers = browser(None).get("/")
    assert status == 200 and '<html lang="en">' in page
    assert "Service" in page and "Messages sent" in page and ">ready<" in page


def test_modem_list_in_indonesian(browser: Callable[[str | None], LanguageClient]) -> None:
    client = browser("id")
    page = wait_ready(client, ">siap<")
    for text in ("<th>Jalur SMS</th>", "<th>Pemakaian SIM</th>", 'data-label="Awalan nomor"',
                 ">Uji modem ini<", ">Laporan diagnostik<", ">dalam perutean<",
                 ">Nonaktifkan<", 'data-confirm="Hapus modem sim 0?"',
                 "Port serial terdeteksi", "Modem tercolok"):  # fmt: skip
        assert text in page, text
    assert "Test this modem" not in page


def test_modem_list_in_english_by_default_and_for_an_unknown_language(
    browser: Callable[[str | None], LanguageClient],
) -> None:
    for language in (None, "xx-YY, fr;q=0.8"):
        page = wait_ready(browser(language), ">ready<")
        assert "<th>SMS path</th>" in page and ">Test this modem<" in page
        assert 'data-confirm="Delete modem sim 0?"' in page and ">in routing<" in page
        assert "Uji modem ini" not in page


def test_flash_messages_follow_the_language(
    browser: Callable[[str | None], LanguageClient], harness: BrokerHarness
) -> None:
    modem_id = harness.modem_ids[0]
    client = browser("id")
    client.get("/modems")
    assert client.post(f"/modems/{modem_id}/deactivate")[0] == 303
    page = client.get("/modems")[1]
    assert "Modem sim 0 dinonaktifkan." in page and ">nonaktif<" in page
    english = browser(None)
    english.get("/modems")
    assert english.post(f"/modems/{modem_id}/activate")[0] == 303
    assert "Modem sim 0 activated." in english.get("/modems")[1]


def test_modem_form_labels_hints_and_errors_in_indonesian(
    browser: Callable[[str | None], LanguageClient],
) -> None:
    client = browser("id")
    status, page, _headers = client.get("/modems/new")
    assert status == 200 and "<title>Tambah modem · OTP Broker</title>" in page
    for text in ("<legend>Internet seluler (ppp)</legend>", ">Nomor panggil</label>",
                 "Kode USSD cek pulsa", ">N (tanpa)</option>", ">kustom</option>",
                 "Perintah awal 1", "pilih operator", ">Tambah modem</button>", ">Batal</a>",
                 "Mis. Telkomsel *888#"):  # fmt: skip
        assert text in page, text
    status, page, _headers = client.post("/modems", {"name": "x", "port": "/dev/ttyUSB9",
                                                     "baud_rate": "cepat"})  # fmt: skip
    assert status == 400 and "harus bilangan bulat, bukan &#039;cepat&#039;" in page
    status, page, _headers = client.post("/modems", {"apply_preset": "1", "preset": ""})
    assert status == 400 and "pilih operator dulu" in page
    status, page, _headers = client.post("/modems", {"apply_preset": "1", "preset": "xl"})
    assert status == 200 and "Pengaturan XL" in text_of(page) and "periksa, lalu simpan" in page


def test_modem_form_in_english(browser: Callable[[str | None], LanguageClient]) -> None:
    client = browser(None)
    page = client.get("/modems/new")[1]
    assert "<legend>Mobile internet (ppp)</legend>" in page and ">Dial number</label>" in page
    status, page, _headers = client.post("/modems", {"name": "x", "port": "/dev/ttyUSB9",
                                                     "baud_rate": "fast"})  # fmt: skip
    assert status == 400 and "must be a whole number" in page


def test_edit_detect_and_report_pages_in_indonesian(
    browser: Callable[[str | None], LanguageClient], harness: BrokerHarness
) -> None:
    modem_id = harness.modem_ids[0]
    client = browser("id")
    page = client.get(f"/modems/{modem_id}/edit")[1]
    assert "<title>Ubah modem sim 0 · OTP Broker</title>" in page and ">Simpan</button>" in page
    page = client.get("/modems/detected")[1]
    assert "<title>Modem tercolok · OTP Broker</title>" in page
    assert "Tambah modem secara manual" in page and "Semua port serial (0)" in page
    page = client.get(f"/modems/{modem_id}/report")[1]
    assert "<title>Laporan diagnostik sim 0 · OTP Broker</title>" in page
    assert "Kode USSD (opsional)" in page and ">Unduh laporan diagnostik</button>" in page
    assert "<strong>sim 0</strong>" in page
    english = browser(None).get(f"/modems/{modem_id}/report")[1]
    assert "Diagnostic report of sim 0" in english and "USSD code (optional)" in english


def test_the_404_page_follows_the_browser(browser: Callable[[str | None], LanguageClient]) -> None:
    status, page, _headers = browser("id").get("/no-such-page")
    assert status == 404 and page == "404: halaman tidak ada"
    status, page, _headers = browser(None).get("/no-such-page")
    assert status == 404 and page == "404: no such page"


def test_the_refused_page_follows_the_browser() -> None:
    refusal = Refusal(413, "the request body is too large")
    environ = {"PATH_INFO": "/https", "HTTP_ACCEPT_LANGUAGE": "id"}
    _headers, body = refusal_answer(environ, refusal)
    page = body.decode()
    assert "<title>Permintaan terlalu besar · OTP Broker</title>" in page
    assert "Ditolak: the request body is too large." in page and "256 KiB" in page
    assert "Tidak ada yang diubah." in page and ">Kembali</a>" in page
    _headers, body = refusal_answer({"PATH_INFO": "/https"}, refusal)
    assert "Request too large" in body.decode() and "Nothing was changed." in body.decode()


def test_balance_and_quota_words_and_formats() -> None:
    checked = time.time()
    until = date(2030, 12, 31)
    result = BalanceResult("m1", checked, Balance(True, 1234567, until), low=True, days_left=5)
    with use_language("id"):
        shown = balance_view(result)
        assert shown["balance"] == "Rp\xa01.234.567" and shown["until"] == "31 Des 2030"
        assert word(shown["state"]) == "menipis" and word("no_sms_path") == "tanpa jalur SMS"
        unparsed = balance_view(BalanceResult("m1", checked, Balance(False, reply_length=42)))
        assert unparsed["note"] == "balasan (42 karakter) tidak cocok dengan aturannya"
    with use_language("en"):
        shown = balance_view(result)
        assert shown["balance"] == "Rp 1.234.567" and shown["until"] == "2030-12-31"
        assert word(shown["state"]) == "low" and word("something new") == "something new"
    view = SimpleNamespace(
        rule=PacingRule(min_gap=1.5, jitter=2, per_hour=0, per_day=0), hour=1, day=3,
        recipients=2, hour_room_at=None, day_reset=checked, month_reset=checked, back_at=None,
        refused=0,
    )  # fmt: skip
    with use_language("id"):
        quota = quota_view(view)
        assert quota["hour"] == "tidak dihitung (tanpa batas)" and quota["day"] == "3 (tanpa batas)"
        assert quota["gap"] == "1,5 dtk + 0-2 dtk"
    with use_language("en"):
        quota = quota_view(view)
        assert quota["hour"] == "not counted (no cap)" and quota["gap"] == "1.5 s + 0-2 s"


@pytest.mark.parametrize("code", sorted(sms_path.REASONS))
def test_the_sms_path_reasons_say_what_the_modem_layer_says(code: str) -> None:
    for roaming, weak in ((False, False), (True, False), (False, True), (True, True)):
        readings = sms_path.SmsPathReadings(cs=5 if roaming else 1, rssi=3 if weak else 20)
        verdict = sms_path._verdict(code, readings)
        with use_language("en"):
            assert sms_path_reason(verdict) == verdict.reason
        with use_language("id"):
            assert sms_path_reason(verdict) != verdict.reason


def test_the_sim_advice_says_what_the_modem_layer_says() -> None:
    for state in (*sim_state.SIM_STATES, "ready"):
        for tries in (None, 3):
            with use_language("en"):
                assert sim_advice(state, tries) == sim_state.sim_advice(state, tries)
    with use_language("id"):
        assert "Sisa percobaan PIN: 3." in sim_advice("pin_required", 3)
        assert "kolom PIN SIM" in sim_advice("pin_required")


def test_the_self_test_summary_in_both_languages() -> None:
    waiting = SelfTestResult("m1", "P3XX9", "+62812****89", time.time(), 120.0)
    back = replace(waiting, state="back", sent_at=10.0, arrived_at=13.25)
    late = replace(waiting, state="not-back", wait_seconds=3.0)
    with use_language("en"):
        for result in (waiting, back, late, replace(waiting, state="failed", error="boom")):
            assert self_test_summary(result) == result.summary()
    with use_language("id"):
        assert self_test_summary(waiting) == "menunggu token P3XX9 (paling lama 120 detik)"
        assert self_test_summary(back) == "kembali setelah 3,2 detik (token P3XX9)"
