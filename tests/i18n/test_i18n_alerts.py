"""Alerts in both languages: raised in English by the modem and balance threads, shown on
the home page and the monitor in the page's language, e-mailed in the device's language,
while the log, the two-way bus and the API keep English."""

from __future__ import annotations

import html
import logging
import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "api"))
sys.path.insert(0, str(TESTS / "admin"))
from admin_client import LanguageClient  # noqa: E402
from broker_harness import BrokerHarness, running_broker  # noqa: E402

from otpbroker.domain import sms_path  # noqa: E402
from otpbroker.domain.message_life import DeviceAlert  # noqa: E402
from otpbroker.domain.routing import ModemRoute  # noqa: E402
from otpbroker.domain.send_errors import classify  # noqa: E402
from otpbroker.domain.sim_state import sim_advice  # noqa: E402
from otpbroker.i18n.translate import use_language  # noqa: E402
from otpbroker.modem.status import ModemStatus  # noqa: E402
from otpbroker.services.alert_mail import AlertMailer  # noqa: E402
from otpbroker.services.alerts import Alerts, Wording, alert_listener  # noqa: E402
from otpbroker.services.balance_watch import BalanceWatch  # noqa: E402
from otpbroker.services.modem_health import ModemHealth  # noqa: E402
from otpbroker.services.replies import Code  # noqa: E402
from otpbroker.services.shared_ledger import ALERT_TITLE  # noqa: E402
from otpbroker.web.admin.monitor_json import alerts_json  # noqa: E402

BARRED_ID = "Modem sim 0: dikeluarkan dari perutean"
BARRED_EN = "Modem sim 0: out of routing"


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[BrokerHarness]:
    yield from running_broker(tmp_path / "data", with_user=True)


def text_of(page: str) -> str:
    """The page's visible text, roughly."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def barred_alert(harness: BrokerHarness) -> None:
    """A barred SIM: the send fails in the modem's thread and its modem is held."""
    harness.sims[0].set_conditions(["sim-barred"])
    status, body, _headers = harness.send_sms("08126666666", "Kode OTP 222333", 72)
    assert status == 502 and body["data"]["error_class"] == "sim"
    assert "barred" in body["data"]["error_text"]  # the API keeps English
    deadline = time.monotonic() + 10
    while not harness.broker.alerts.active() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_an_alert_from_a_modem_thread_on_the_home_page_in_both_languages(
    harness: BrokerHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    barred_alert(harness)
    owner = LanguageClient(harness.base, "id-ID,id;q=0.9")
    owner.setup(harness.code)
    page = text_of(owner.get("/")[1])
    assert BARRED_ID in page and BARRED_EN not in page
    assert "operator memblokir pengiriman dari SIM ini (CMS8)" in page
    assert "Yang perlu dilakukan: Tanyakan kepada operator mengapa SIM diblokir" in page
    english = LanguageClient(harness.base, None)
    assert english.login("owner", "owner-password-1") == 303
    page = text_of(english.get("/")[1])
    assert BARRED_EN in page and "the operator has barred this SIM from sending (CMS8)" in page
    assert "What to do: Ask the operator why the SIM is barred" in page
    assert BARRED_ID not in page
    modems = owner.get("/modems")[1]  # the held modem's reason, in the page's language too
    assert "operator memblokir pengiriman dari SIM ini (CMS8). Tanyakan kepada operator" in modems
    assert (
        "the operator has barred this SIM from sending (CMS8). Ask the operator"
        in (english.get("/modems")[1])
    )
    raised = [r.getMessage() for r in caplog.records if "alert raised" in r.getMessage()]
    assert raised == [f"alert raised: {BARRED_EN}: the operator has barred this SIM from "
                      "sending (CMS8)"]  # fmt: skip


def test_the_monitor_shows_alerts_in_the_page_language_and_the_bus_keeps_english() -> None:
    alerts, told = Alerts(), []
    alerts.subscribe(alert_listener(told.append))
    health = ModemHealth(alerts, lambda: {"m1": "Telkomsel"})
    with use_language("id"):  # whoever raises it, the alert is stored as messages
        health.failed("m1", classify("CMS330"))  # type: ignore[arg-type]
    [shown] = alerts_json(alerts.active())
    assert shown["title"] == "Modem Telkomsel: out of routing"
    with use_language("id"):
        [shown] = alerts_json(alerts.active())
    assert shown["title"] == "Modem Telkomsel: dikeluarkan dari perutean"
    assert shown["text"] == "nomor pusat SMS tidak diketahui (CMS330)"
    assert shown["advice"].startswith("Isi nomor pusat SMS")
    [event] = told
    assert isinstance(event, DeviceAlert)
    assert (event.title, event.text) == ("Modem Telkomsel: out of routing",
                                         "the SMS centre address is unknown (CMS330)")  # fmt: skip


class Mailbox:
    """A mailer keeping what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send_mail(self, recipient: str, subject: str, body: str, source: str) -> object:
        self.sent.append((recipient, subject, body))
        return type("Reply", (), {"code": Code.OK})()


@pytest.mark.parametrize(
    ("language", "subject", "said"),
    [
        ("id", "Peringatan OTP Broker: Modem sim 0: tidak menjawab",
         ["Cabut modem lalu pasang lagi", "Yang perlu dilakukan:"]),
        ("en", "OTP Broker alert: Modem sim 0: does not answer",
         ["Unplug the modem and plug it in again", "What to do:"]),
    ],
)  # fmt: skip
def test_the_alert_mail_says_the_alert_in_the_device_language(
    language: str, subject: str, said: list[str]
) -> None:
    alerts, box = Alerts(), Mailbox()
    admins = [{"email": "owner@example.org", "active": True, "blocked": False}]
    mailer = AlertMailer(alerts, lambda: admins, lambda: box, language=lambda: language)
    health = ModemHealth(alerts, lambda: {"m1": "sim 0"})
    health.observe(ModemRoute(id="m1", prefixes=(), healthy=False, reason="dead",
                              reason_text="gave up after every recovery step"))  # fmt: skip
    mailer.send(alerts.get("dead:m1"))  # type: ignore[arg-type]
    [(_to, got_subject, body)] = box.sent
    assert got_subject == subject
    for text in said:
        assert text in body, text
    assert "gave up after every recovery step" in body  # the modem layer's reason, as it is


def test_balance_alerts_in_indonesian_keep_their_amounts() -> None:
    alerts, now = Alerts(), time.time()
    until = datetime.fromtimestamp(now, UTC).date() + timedelta(days=3)
    reply = f"Sisa pulsa Anda Rp3.000. Aktif s.d. {until:%d/%m/%Y}."
    record = {"id": "m1", "name": "XL", "balance_ussd": "*123#", "balance_min": 5000,
              "expiry_warn_days": 7}  # fmt: skip
    BalanceWatch(lambda _m, _c: reply, lambda: [record], alerts, clock=lambda: now).check(record)
    low, ends = alerts.get("sim_account:balance:m1"), alerts.get("sim_account:until:m1")
    assert low is not None and ends is not None
    assert low.text == "Rp 3.000 is below the minimum Rp 5.000."
    with use_language("id"):
        assert low.shown() == ("Modem XL: pulsa di bawah minimum",
                               "Sisa pulsa Rp 3.000, di bawah minimum Rp 5.000.",
                               "Isi pulsa kartu SIM.")  # fmt: skip
        assert ends.shown()[:2] == ("Modem XL: masa aktif SIM habis dalam 3 hari",
                                    f"Aktif sampai {until.isoformat()}.")  # fmt: skip
    assert ends.title == "Modem XL: SIM active period ends in 3 day(s)"


def test_raising_the_same_wording_again_changes_nothing_and_digits_stay_masked() -> None:
    alerts = Alerts(clock=iter([1.0, 2.0]).__next__)
    title = Wording(ALERT_TITLE)
    text = Wording.of("{error} ({code})", error="call 628126666666", code="X1")
    assert alerts.raise_alert("k", "shared_ledger", title, text, severity="warning")
    assert not alerts.raise_alert("k", "shared_ledger", title, text, severity="warning")
    alert = alerts.get("k")
    assert alert is not None and "628126666666" not in alert.text
    with use_language("id"):
        shown = alert.shown()
    assert shown[0] == "Buku catatan bersama tidak terjangkau"
    assert "628126666666" not in shown[1] and shown[1].endswith("66 (X1)")


def route_of(status: ModemStatus) -> ModemRoute:
    """The route the modem layer makes of ``status``: its reason in English and in words."""
    (reason, text), words = status.out_of_routing, status.out_of_routing_words
    return ModemRoute(id=status.modem_id, healthy=False, reason=reason, reason_text=text,
                      reason_words=words)  # fmt: skip


def test_sim_and_sms_path_reasons_are_shown_in_the_page_language() -> None:
    alerts = Alerts()
    health = ModemHealth(alerts, lambda: {"m1": "XL", "m2": "Tri"}, path_alert_after=0)
    no_sim = sim_advice("no_sim")
    no_path = f"no SMS path: {sms_path.REASONS['lte_only']}; {sms_path.WEAK_NOTE}"
    weak_lte = sms_path._verdict("lte_only", sms_path.SmsPathReadings(eps=1, rssi=3))
    health.observe(route_of(ModemStatus("m1", "/dev/ttyUSB2", state="no_sim")))
    health.observe(route_of(ModemStatus("m2", "/dev/ttyUSB5", state="ready", sms_path=weak_lte)))
    sim_alert, path_alert = alerts.get("no_sim:m1"), alerts.get("no_sms_path:m2")
    assert sim_alert is not None and path_alert is not None
    assert (sim_alert.text, path_alert.text) == (no_sim, no_path)  # English for the log
    with use_language("id"):
        assert sim_alert.shown()[:2] == ("Modem XL: tidak ada kartu SIM", sim_advice("no_sim"))
        title, text, _advice = path_alert.shown()
    assert title == "Modem Tri: tidak bisa mengirim SMS"
    assert text.startswith("tidak ada jalur SMS: hanya terdaftar di LTE") and "sinyal lemah" in text
