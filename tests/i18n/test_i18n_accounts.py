"""Accounts in both languages: the administrator's language picker, the device's language
chosen at first run, the device's e-mails in that language, and refusals that are
Indonesian on an admin page while the REST API keeps them English."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "api"))
sys.path.insert(0, str(TESTS / "admin"))
from admin_client import AdminClient, LanguageClient  # noqa: E402
from broker_harness import BrokerHarness, running_broker  # noqa: E402

from otpbroker.i18n import translate  # noqa: E402
from otpbroker.services.alert_mail import AlertMailer  # noqa: E402
from otpbroker.services.alerts import Alerts  # noqa: E402
from otpbroker.services.password_reset import PasswordReset  # noqa: E402
from otpbroker.services.replies import Code  # noqa: E402

INDONESIAN_BROWSER = "id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7"


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[BrokerHarness]:
    yield from running_broker(tmp_path / "data", with_user=True)


def set_up(harness: BrokerHarness, client: AdminClient, **extra: str) -> None:
    client.get("/setup")
    form = {"setup_code": harness.code, "username": "owner", "password": "owner-password-1",
            "password2": "owner-password-1", **extra}  # fmt: skip
    status, text, headers = client.post("/setup", form)
    assert status == 303 and headers["Location"].endswith("/"), text[:400]
    client.get("/")  # the session's CSRF token


def selected(page: str, name: str) -> str:
    """The value of the selected option of the ``<select name=...>``."""
    select = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.search(r'<option value="([^"]*)"[^>]*\sselected', select).group(1)


def test_setup_preselects_indonesian_for_an_indonesian_browser_and_stores_it(harness):
    client = LanguageClient(harness.base, INDONESIAN_BROWSER)
    status, page, _ = client.get("/setup")
    assert status == 200 and "<title>Atur perangkat ini · OTP Broker</title>" in page
    assert "Kode pengaturan" in page and "Bahasa perangkat" in page
    assert selected(page, "device_language") == "id"
    status, page, _ = client.post("/setup", {"setup_code": "AAAA-BBBB-CCCC-DDDD"})
    assert status == 400 and "kode pengaturan salah" in page
    assert selected(page, "device_language") == "id"  # the choice survives a refusal
    set_up(harness, client, device_language="id")
    assert harness.broker.store.get("device.language") == "id"


def test_setup_preselects_english_otherwise_and_an_unknown_code_stores_english(harness):
    client = LanguageClient(harness.base)  # no Accept-Language
    status, page, _ = client.get("/setup")
    assert status == 200
    assert "<title>Set up this device · OTP Broker</title>" in page
    assert selected(page, "device_language") == "en"
    french = LanguageClient(harness.base, "fr-FR,fr;q=0.9")
    assert selected(french.get("/setup")[1], "device_language") == "en"
    set_up(harness, french, device_language="xx")
    assert harness.broker.store.get("device.language") == "en"


def test_login_and_forgotten_password_pages_follow_the_browser(harness):
    set_up(harness, AdminClient(harness.base))
    indonesian, english = LanguageClient(harness.base, "id"), LanguageClient(harness.base)
    page = indonesian.get("/login")[1]
    assert "<title>Masuk · OTP Broker</title>" in page and "Lupa kata sandi?" in page
    status, page, _ = indonesian.post("/login", {"username": "owner", "password": "bad-pass-2"})
    assert status == 401 and "nama pengguna atau kata sandi salah" in page
    assert "Kirim kata sandi baru" in indonesian.get("/forgot")[1]
    page = english.get("/forgot")[1]
    assert "<title>Forgotten password · OTP Broker</title>" in page
    assert "Send a new password" in page


def test_the_picker_keeps_the_choice_over_the_browsers_and_can_give_it_back(harness):
    client = LanguageClient(harness.base)  # the browser asks for nothing: English
    set_up(harness, client)
    page = client.get("/admins")[1]
    assert "<title>Administrators · OTP Broker</title>" in page and 'action="/language"' in page
    status, _, headers = client.post("/language", {"language": "id", "back": "/admins"})
    assert status == 303 and headers["Location"].endswith("/admins")
    [record] = harness.broker.store.list("admins")
    assert record["language"] == "id"
    page = client.get("/admins")[1]
    assert "<title>Administrator · OTP Broker</title>" in page and "Tambah administrator" in page
    assert 'lang="id"' in page and "Bahasa Anda" in page
    assert selected(page, "language") == "id"
    client.language = "en-GB,en;q=0.9"  # the choice wins over the browser
    assert "Tambah administrator" in client.get("/admins")[1]
    client.post("/language", {"language": "", "back": "/admins"})  # "Browser language"
    assert harness.broker.store.list("admins")[0]["language"] == ""
    assert "Add an administrator" in client.get("/admins")[1]
    client.language = INDONESIAN_BROWSER
    assert "Tambah administrator" in client.get("/admins")[1]


def test_an_unknown_language_posted_is_english_without_an_error(harness):
    client = LanguageClient(harness.base, INDONESIAN_BROWSER)
    set_up(harness, client)
    status, _, headers = client.post("/language", {"language": "fr", "back": "//evil.example"})
    assert status == 303 and headers["Location"].endswith("/")
    assert not headers["Location"].endswith("evil.example")
    assert harness.broker.store.list("admins")[0]["language"] == "en"
    headers = client.post("/language", {"language": "en", "back": "/\\evil.example"})[2]
    assert headers["Location"].endswith("/") and "evil" not in headers["Location"]
    status, page, _ = client.get("/admins")
    assert status == 200 and "Add an administrator" in page and 'class="flash error"' not in page


def test_a_refusal_stays_english_in_the_api_and_is_indonesian_on_an_admin_page(harness):
    status, body, _ = harness.request(
        "/api/block", {"command": "block-msisdn", "data": {"msisdn": "0812"}}
    )
    assert status == 400
    assert "phone number is too short: 5 digits, at least 6 required" in body["response_text"]
    client = LanguageClient(harness.base, INDONESIAN_BROWSER)
    set_up(harness, client)
    client.get("/blocklist")
    status, page, _ = client.post("/blocklist", {"msisdn": "0812"})
    assert status == 400 and "nomor HP terlalu pendek: 5 angka, minimal 6" in page
    status, page, _ = client.post("/admins", {"username": "OWNER", "password": "password-456",
                                              "password2": "password-456"})  # fmt: skip
    assert status == 400 and "administrator bernama &#039;owner&#039; sudah ada" in page
    status, body, _ = harness.request(  # the API, right after, still in English
        "/api/block", {"command": "block-msisdn", "data": {"msisdn": "08x1"}}
    )
    assert "phone number contains letters ('x')" in body["response_text"]


def test_the_reset_sms_is_written_in_the_device_language(harness):
    harness.broker.store.update_settings({"device.language": "id"})
    admin = harness.broker.store.add("admins", {"username": "owner", "phone": "08126666666"})
    harness.broker.store.set_password("admins", admin["id"], "old-password-1")
    with translate.use_language("en"):  # whoever asks: the device's language
        assert harness.broker.password_reset.reset("owner", via="sms").sent_via == "sms"
    [delivery] = harness.sims[0].wait_for_deliveries(1)
    assert delivery.text.startswith("OTP Broker: kata sandi administrator Anda yang baru adalah ")


class Mailbox:
    """Keeps what would be mailed."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send_mail(self, recipient: str, subject: str, body: str, source: str) -> Any:
        self.sent.append((recipient, subject, body))
        return type("Reply", (), {"code": Code.OK})()


class Accounts:
    """One administrator to reset."""

    def __init__(self) -> None:
        self.passwords: list[str] = []

    def find_for_reset(self, login: str) -> dict[str, Any] | None:
        return {"id": "a1", "email": "owner@example.org"} if login == "owner" else None

    def set_password(self, account_id: str, password: str) -> None:
        self.passwords.append(password)


@pytest.mark.parametrize(
    ("device_language", "subject", "text"),
    [
        ("id", "Reset kata sandi OTP Broker", "kata sandi administrator Anda yang baru adalah"),
        ("en", "OTP Broker password reset", "your new administrator password is"),
        ("", "OTP Broker password reset", "your new administrator password is"),
        ("xx", "OTP Broker password reset", "your new administrator password is"),
    ],
)
def test_the_reset_mail_is_written_in_the_device_language(device_language, subject, text):
    box, accounts = Mailbox(), Accounts()
    reset = PasswordReset(accounts, sms=None, mailer=lambda: box,  # type: ignore[arg-type]
                          language=lambda: device_language)  # fmt: skip
    assert reset.reset("owner", via="mail").sent_via == "mail"
    [(to, got_subject, body)] = box.sent
    assert (to, got_subject) == ("owner@example.org", subject)
    assert text in body and body.endswith(accounts.passwords[0])


def test_alert_mails_and_their_notes_are_in_the_device_language():
    alerts, box = Alerts(), Mailbox()
    admins = [{"email": "owner@example.org", "active": True, "blocked": False}]
    mailer = AlertMailer(alerts, lambda: admins, lambda: box, language=lambda: "id")
    alerts.raise_alert("no_sim:m1", "no_sim", "Modem A: no SIM", "insert a SIM card",
                       advice="Check the SIM.")  # fmt: skip
    outcome = mailer.send(alerts.get("no_sim:m1"))
    [(_to, subject, body)] = box.sent
    assert subject == "Peringatan OTP Broker: Modem A: no SIM"
    assert "Yang perlu dilakukan: Check the SIM." in body and "waktu perangkat" in body
    assert outcome.startswith("dikirim lewat email ke ")
    english = AlertMailer(Alerts(), lambda: [], lambda: box)
    assert english.send(alerts.get("no_sim:m1")).startswith("not e-mailed")
