"""The monitor and the message pages in Bahasa Indonesia (``Accept-Language: id``), English
by default: the monitor's words, its live stream and charts, received, manual SMS, USSD, the
blocking list, API users, the API setting, HTTPS and sealed messages."""

from __future__ import annotations

import http.client
import json
import re
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from admin_client import AdminClient
from broker_harness import BrokerHarness, running_broker
from browser_tools import chromium
from playwright.sync_api import expect

from otpbroker.i18n.translate import _, use_language
from otpbroker.web.admin import monitor_words, sse
from otpbroker.web.admin.charts_svg import Chart, Series, render, summary

ID = {"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"}


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerHarness]:
    yield from running_broker(tmp_path_factory.mktemp("i18n-messages") / "data", with_user=True)


@pytest.fixture(scope="module")
def admin(harness: BrokerHarness) -> AdminClient:
    client = AdminClient(harness.base)
    client.setup(harness.broker.setup_code.read())
    return client


def get_id(client: AdminClient, path: str) -> str:
    """A page as a browser asking for Indonesian gets it."""
    status, page, _headers = client.request("GET", path, headers=ID)
    assert status == 200, page[:300]
    return page


def post_id(client: AdminClient, path: str, form: dict[str, str]) -> tuple[int, str]:
    """POST a form from an Indonesian browser (the token of the last page)."""
    status, page, _headers = client.request("POST", path, {"csrf": client.csrf, **form}, ID)
    return status, page


def title_of(page: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)


def test_the_monitor_in_indonesian_and_english(harness: BrokerHarness, admin: AdminClient) -> None:
    harness.wait_modems()
    assert harness.send_sms("08126666666", "Kode 111", message_id="i18n-mon")[0] == 200
    page = get_id(admin, "/monitor")
    assert title_of(page) == "Pantauan" and '<html lang="id">' in page
    assert "<th>Penerima</th>" in page and 'data-label="Hasil"' in page
    assert 'data-state="ready">siap</span>' in page  # the machine value stays beside the word
    assert 'data-outcome="sent">terkirim</span>' in page
    assert 'data-label="Diterima"' in page  # a feeder's count, not "SMS masuk"
    assert "Terkirim, 1 jam terakhir" in page and "REST, pengguna app" in page
    english = admin.get("/monitor")[1]
    assert title_of(english) == "Monitor" and "<th>Recipient</th>" in english
    assert 'data-state="ready">ready</span>' in english and "Sent, last hour" in english
    assert 'data-label="Received"' in english and "REST user app" in english


def read_event(response: http.client.HTTPResponse, name: str) -> dict:
    """The data of the next event called ``name`` on an open stream."""
    current = ""
    for _attempt in range(200):
        line = response.readline().decode("utf-8").rstrip("\n")
        if line.startswith("event: "):
            current = line.removeprefix("event: ")
        elif line.startswith("data: ") and current == name:
            return json.loads(line.removeprefix("data: "))
    raise AssertionError(f"no {name} event")


@pytest.mark.parametrize(("headers", "word"), [(ID, "siap"), ({}, "ready")])
def test_the_live_stream_speaks_the_language_of_the_page_that_opened_it(
    harness: BrokerHarness, admin: AdminClient, headers: dict[str, str], word: str
) -> None:
    harness.wait_modems()
    cookie = "; ".join(f"{c.name}={c.value}" for c in admin.jar)
    host, port = urllib.parse.urlsplit(harness.base).netloc.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=20)
    try:
        connection.request(
            "GET", "/admin-api/monitor/stream", headers={"Cookie": cookie, **headers}
        )
        response = connection.getresponse()
        assert response.status == 200
        modem = read_event(response, "modem")
        assert (modem["state"], modem["state_label"]) == ("ready", word)
    finally:
        connection.close()


@pytest.mark.e2e
def test_the_monitor_script_adds_rows_in_indonesian(
    harness: BrokerHarness, admin: AdminClient
) -> None:
    harness.wait_modems()
    problems: list[str] = []
    with chromium() as browser:
        context = browser.new_context(extra_http_headers=ID, viewport={"width": 390, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto(harness.base + "/login")
        page.fill("#f-username", "owner")
        page.fill("#f-password", "owner-password-1")
        page.click("button[type=submit]")
        page.wait_for_url(harness.base + "/")
        page.goto(harness.base + "/monitor")
        expect(page.locator("#live-state")).to_have_text("langsung")
        rows = page.locator("#event-rows tr:not(.empty)")
        before = rows.count()
        assert harness.send_sms("08126666666", "Kode 222", message_id="i18n-live")[0] == 200
        expect(rows).to_have_count(before + 1)  # pushed by the stream, no reload
        cells = rows.first.locator("td")
        assert cells.nth(4).get_attribute("data-label") == "Hasil"
        expect(cells.nth(4)).to_have_text("terkirim")
        assert "REST, pengguna app" in cells.nth(1).inner_text()
        context.close()
    assert problems == []


def test_a_stream_body_keeps_its_language_after_the_request() -> None:
    def chunks() -> Iterator[bytes]:
        yield _("Sent").encode()

    with use_language("id"):
        stream = sse.Stream(chunks(), lambda: None)
    assert next(stream) == b"Terkirim"  # read later, outside the request


def test_monitor_words_and_unknown_values() -> None:
    with use_language("id"):
        assert monitor_words.outcome_label("unknown") == "tidak diketahui"
        assert monitor_words.modem_state_label("pin_required") == "perlu PIN"
        assert monitor_words.feeder_state_label("disabled") == "nonaktif"
        assert monitor_words.sms_path_label("ims") == "IMS"
        assert monitor_words.source_label("admin", "owner") == "manual oleh owner"
        assert monitor_words.code_label("feeder", "settings changed") == "pengaturan berubah"
        assert monitor_words.code_label("sms", "1201") == "1201"  # a code stays a code
        assert monitor_words.outcome_label("brand-new") == "brand-new"  # shown as it is
        assert monitor_words.source_label("admin-login", None) == "admin-login"
    with use_language("xx"):  # an unknown language is English
        assert monitor_words.outcome_label("unknown") == "unknown"


def test_chart_words_and_numbers() -> None:
    chart = Chart(key="latency-hour", title="Waktu kirim", unit=" s", starts=[0.0, 60.0],
                  bucket_seconds=60, tick_seconds=900, series=[Series("sim 0", [0.5, 0.25])],
                  total_label="mean")  # fmt: skip
    empty = Chart(key="sent-hour", title="Terkirim", unit="", starts=[0.0, 60.0],
                  bucket_seconds=60, tick_seconds=900, series=[])  # fmt: skip
    with use_language("id"):
        assert summary(chart) == "Waktu kirim. sim 0: rata-rata 0,38 s, terakhir 0,25 s."
        assert summary(empty) == "Terkirim: belum ada data."
        assert ">Belum ada data</text>" in render(empty)
        assert ">0,2s</text>" in render(chart)  # a y tick
    assert summary(chart) == "Waktu kirim. sim 0: mean 0.38 s, last 0.25 s."
    assert ">No data yet</text>" in render(empty)


def test_received_messages(admin: AdminClient) -> None:
    page = get_id(admin, "/received")
    assert title_of(page) == "SMS masuk"
    assert "Belum ada pesan dari operator sejak perangkat dimulai." in page
    english = admin.get("/received")[1]
    assert "No message from an operator since the start." in english


def test_manual_sms_and_ussd_say_what_is_wrong(harness: BrokerHarness, admin: AdminClient) -> None:
    harness.wait_modems()
    page = get_id(admin, "/manual-sms")
    assert title_of(page) == "SMS manual" and "Kirim SMS</button>" in page
    assert "(siap)" in page  # the modem's state in the list
    status, page = post_id(admin, "/manual-sms", {"modem": harness.modem_ids[0], "text": "x"})
    assert status == 400 and "isi nomor penerima, mis. 08126666666" in page
    page = get_id(admin, "/ussd")
    assert title_of(page) == "USSD" and "Kode USSD" in page and "Jalankan</button>" in page
    status, page = post_id(admin, "/ussd", {"modem": "nope", "code": "abc"})
    assert status == 400 and "pilih salah satu modem yang berjalan" in page
    assert "kode USSD terdiri dari 1-64 karakter" in page
    admin.get("/ussd")
    status, english, _headers = admin.post("/ussd", {"modem": "nope", "code": "abc"})
    assert status == 400 and "choose one of the running modems" in english


def test_blocking_list(admin: AdminClient) -> None:
    page = get_id(admin, "/blocklist")
    assert title_of(page) == "Nomor diblokir" and "Blokir nomor" in page
    status, _page = post_id(admin, "/blocklist", {"msisdn": "0812 7777 888"})
    assert status == 303
    page = get_id(admin, "/blocklist")
    assert "628127777888 diblokir: tidak ada modem yang akan mengirim SMS" in page
    assert re.search(r"\d+ nomor diblokir\.", page) and "<th>Sejak</th>" in page
    assert re.search(r'data-label="Sejak">\d{4}-\d\d-\d\d \d\d:\d\d UTC<', page)
    assert 'data-confirm="Buka blokir 628127777888? Nomor ini akan menerima SMS lagi."' in page
    status, page = post_id(admin, "/blocklist", {"msisdn": "12"})
    assert status == 400
    english = admin.get("/blocklist")[1]
    assert title_of(english) == "Blocking list" and "<th>Since</th>" in english


def test_api_users(admin: AdminClient) -> None:
    page = get_id(admin, "/api-users")
    assert title_of(page) == "Pengguna API" and "Tambah pengguna API" in page
    assert '<span class="badge ok">aktif</span>' in page  # the harness's user "app"
    form = {"username": "kasir", "password": "kata-sandi-1", "password2": "kata-sandi-2"}
    status, page = post_id(admin, "/api-users", form)
    assert status == 400 and "kedua kata sandi tidak sama" in page
    english = admin.get("/api-users")[1]
    assert title_of(english) == "API users" and "Add an API user" in english


def test_api_setting(admin: AdminClient) -> None:
    page = get_id(admin, "/api-settings")
    assert title_of(page) == "Pengaturan API" and "Kapan perubahan berlaku" in page
    assert "<legend>Nomor telepon</legend>" in page and "Kode negara" in page
    assert re.search(r"Halaman ini dibuka lewat port \d+\.", page)
    english = admin.get("/api-settings")[1]
    assert "<legend>Phone numbers</legend>" in english and "Country calling code" in english


def test_https(admin: AdminClient) -> None:
    page = get_id(admin, "/https")
    assert title_of(page) == "HTTPS" and "Unggah sertifikat" in page
    assert "Sertifikat (PEM)" in page and "Buat sertifikat self-signed baru</button>" in page
    assert "Upload a certificate" in admin.get("/https")[1]


def test_sealed_messages(admin: AdminClient) -> None:
    page = get_id(admin, "/sealing")
    assert title_of(page) == "Pesan tersegel" and "Kunci publik" in page
    assert "<legend>Wajibkan pesan tersegel</legend>" in page and "Di REST API" in page
    assert 'data-confirm="Buat kunci segel baru?' in page
    english = admin.get("/sealing")[1]
    assert title_of(english) == "Sealed messages" and "On the REST API" in english


def test_an_unknown_language_is_english(admin: AdminClient) -> None:
    status, page, _headers = admin.request("GET", "/monitor", headers={"Accept-Language": "fr"})
    assert status == 200 and title_of(page) == "Monitor" and '<html lang="en">' in page
