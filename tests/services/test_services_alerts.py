"""Alerts (raise/clear by key, de-duplicated, listeners, log) and their e-mail."""

from __future__ import annotations

import logging
import threading

import pytest

from otpbroker.services.alert_mail import NO_ADDRESS, NOT_CONFIGURED, AlertMailer, alert_body
from otpbroker.services.alerts import KINDS, Alerts, scrub
from otpbroker.services.replies import Code, Reply


def test_an_alert_is_raised_once_per_key_and_cleared_by_key(caplog):
    caplog.set_level(logging.INFO, "otpbroker.services.alerts")
    alerts = Alerts(clock=lambda: 100.0)
    heard: list[tuple[str, str]] = []
    alerts.subscribe(lambda event, alert: heard.append((event, alert.key)))
    assert alerts.raise_alert("dead:m1", "dead", "Modem A does not answer", "gave up")
    assert not alerts.raise_alert("dead:m1", "dead", "Modem A does not answer", "gave up")
    assert [a.key for a in alerts.active()] == ["dead:m1"]
    assert heard == [("raised", "dead:m1")]
    assert alerts.clear("dead:m1", "answers again") and not alerts.clear("dead:m1")
    assert heard == [("raised", "dead:m1"), ("cleared", "dead:m1")] and alerts.active() == []
    logged = [r.getMessage() for r in caplog.records]
    assert "alert raised: Modem A does not answer: gave up" in logged
    assert "alert cleared: Modem A does not answer (answers again)" in logged


def test_a_changed_text_updates_the_alert_without_raising_it_again():
    alerts = Alerts(clock=iter([1.0, 2.0]).__next__)
    heard: list[str] = []
    alerts.subscribe(lambda event, alert: heard.append(event))
    alerts.raise_alert("no_sms_path:m1", "no_sms_path", "t", "searching", severity="warning")
    assert not alerts.raise_alert("no_sms_path:m1", "no_sms_path", "t", "no network")
    alert = alerts.get("no_sms_path:m1")
    assert alert is not None and alert.text == "no network" and alert.raised_at == 1.0
    assert heard == ["raised"]


def test_counts_cover_every_kind_and_bad_kinds_are_refused():
    alerts = Alerts()
    alerts.raise_alert("sim_account:m1", "sim_account", "t", "x")
    alerts.raise_alert("sim_account:m2", "sim_account", "t", "x")
    counts = alerts.counts()
    assert set(counts) == set(KINDS) and counts["sim_account"] == 2 and counts["dead"] == 0
    with pytest.raises(ValueError):
        alerts.raise_alert("x", "gossip", "t", "x")
    with pytest.raises(ValueError):
        alerts.raise_alert("x", "dead", "t", "x", severity="panic")


def test_a_failing_listener_does_not_stop_the_alert():
    alerts = Alerts()
    alerts.subscribe(lambda event, alert: 1 / 0)
    assert alerts.raise_alert("dead:m1", "dead", "t", "x")
    assert alerts.get("dead:m1") is not None


def test_numbers_never_reach_an_alert():
    assert scrub("refused +628126666666 and 08126666666 (CMS8)") == (
        "refused ***********66 and *********66 (CMS8)"
    )
    alerts = Alerts()
    alerts.raise_alert("dead:m1", "dead", "Modem 628126666666", "x 628126666666")
    alert = alerts.get("dead:m1")
    assert alert is not None and "628126666666" not in alert.title + alert.text


class Mailbox:
    """Stands in for MailService: records what would have gone out."""

    def __init__(self, code: Code = Code.OK, fail_for: str = "") -> None:
        self.code = code
        self.fail_for = fail_for
        self.sent: list[tuple[str, str, str]] = []

    def send_mail(self, recipient: str, subject: str, body: str, source: str) -> Reply:
        if recipient == self.fail_for:
            return Reply("send-mail", Code.SEND_FAILED, "refused")
        if self.code is Code.OK:
            self.sent.append((recipient, subject, body))
        return Reply("send-mail", self.code, "x")


ADMINS = [
    {"username": "owner", "email": "owner@example.org", "active": True},
    {"username": "night", "email": "night@example.org", "active": True, "blocked": True},
    {"username": "old", "email": "old@example.org", "active": False},
    {"username": "nomail", "email": "", "active": True},
    {"username": "ops", "email": "ops@example.org", "active": True},
]


def raised(alerts: Alerts) -> object:
    alerts.raise_alert("sim_account:m1", "sim_account", "Modem A is out of routing",
                       "the operator has barred this SIM (CMS8)",
                       advice="Ask the operator why.", modem_id="m1")  # fmt: skip
    return alerts.get("sim_account:m1")


def test_a_new_alert_is_mailed_to_active_administrators_with_an_address():
    alerts, box = Alerts(), Mailbox()
    mailer = AlertMailer(alerts, lambda: ADMINS, lambda: box)
    outcome = mailer.send(raised(alerts))
    assert [to for to, _s, _b in box.sent] == ["owner@example.org", "ops@example.org"]
    _to, subject, body = box.sent[0]
    assert subject == "OTP Broker alert: Modem A is out of routing"
    assert "barred" in body and "What to do: Ask the operator why." in body
    assert outcome.startswith("e-mailed to ") and "example.org" in outcome
    assert alerts.get("sim_account:m1").mail == outcome  # shown with the alert


def test_without_mail_account_or_addresses_the_alert_says_so():
    alerts = Alerts()
    nobody = AlertMailer(alerts, lambda: [ADMINS[3]], lambda: Mailbox())
    assert nobody.send(raised(alerts)) == NO_ADDRESS
    unconfigured = AlertMailer(alerts, lambda: ADMINS, lambda: Mailbox(Code.NOT_CONFIGURED))
    assert unconfigured.send(raised(alerts)) == NOT_CONFIGURED
    assert alerts.get("sim_account:m1").mail == NOT_CONFIGURED
    no_service = AlertMailer(alerts, lambda: ADMINS, lambda: None)
    assert no_service.send(raised(alerts)) == NOT_CONFIGURED


def test_a_failed_recipient_is_named_masked_and_the_others_still_get_it():
    alerts, box = Alerts(), Mailbox(fail_for="ops@example.org")
    outcome = AlertMailer(alerts, lambda: ADMINS, lambda: box).send(raised(alerts))
    assert [to for to, _s, _b in box.sent] == ["owner@example.org"]
    assert "failed" in outcome and "ops@example.org" not in outcome


def test_an_alert_that_keeps_coming_back_is_mailed_once_per_cool_down():
    alerts, box = Alerts(), Mailbox()
    now = [0.0]
    mailer = AlertMailer(alerts, lambda: ADMINS, lambda: box, cooldown=3600, clock=lambda: now[0])
    mailer.send(raised(alerts))
    alerts.clear("sim_account:m1")
    now[0] = 60.0
    assert mailer.send(raised(alerts)).startswith("not e-mailed again")
    now[0] = 4000.0
    assert mailer.send(raised(alerts)).startswith("e-mailed")
    assert len(box.sent) == 4  # two administrators, twice


def test_the_mailer_thread_sends_what_alerts_raise():
    alerts, box = Alerts(), Mailbox()
    mailer = AlertMailer(alerts, lambda: ADMINS, lambda: box)
    mailer.start()
    try:
        raised(alerts)
        done = threading.Event()
        for _ in range(200):
            if alerts.get("sim_account:m1").mail:
                done.set()
                break
            threading.Event().wait(0.02)
        assert done.is_set() and len(box.sent) == 2
    finally:
        mailer.stop()


def test_the_mail_body_carries_no_message_text_or_number():
    alerts = Alerts()
    alert = raised(alerts)
    body = alert_body(alert)
    assert "barred" in body and not any(run in body for run in ("6281", "+62"))


def wait_mailed(alerts: Alerts, key: str) -> bool:
    for _ in range(250):
        alert = alerts.get(key)
        if alert is not None and alert.mail:
            return True
        threading.Event().wait(0.02)
    return False


def test_alerts_raised_before_the_mailer_starts_are_mailed_once_it_does():
    """The broker starts its modems before the mailer: their first alerts must not be lost."""
    alerts, box = Alerts(), Mailbox()
    raised(alerts)  # e.g. a modem without a SIM, seen while the broker starts
    alerts.raise_alert("dead:m2", "dead", "Modem B does not answer", "gave up")
    alerts.raise_alert("no_sim:m3", "no_sim", "Modem C: no SIM card", "no SIM")
    alerts.note_mail("no_sim:m3", "e-mailed to o***@example.org")  # mailed before a restart
    mailer = AlertMailer(alerts, lambda: ADMINS, lambda: box)
    mailer.start()
    try:
        assert wait_mailed(alerts, "sim_account:m1") and wait_mailed(alerts, "dead:m2")
        raised_later = alerts.raise_alert("no_sms_path:m4", "no_sms_path", "Modem D", "LTE",
                                          severity="warning")  # fmt: skip
        assert raised_later and wait_mailed(alerts, "no_sms_path:m4")
    finally:
        mailer.stop()
    subjects = sorted(subject for _to, subject, _body in box.sent)
    assert subjects == sorted(2 * ["OTP Broker alert: Modem A is out of routing",
                                   "OTP Broker alert: Modem B does not answer",
                                   "OTP Broker alert: Modem D"])  # fmt: skip
    assert alerts.get("no_sim:m3").mail.startswith("e-mailed to o***")  # not mailed again


def test_an_alert_heard_twice_while_the_mailer_starts_is_mailed_once():
    alerts, box = Alerts(), Mailbox()
    alert = raised(alerts)
    mailer = AlertMailer(alerts, lambda: ADMINS, lambda: box)
    mailer._heard("raised", alert)  # heard as it was raised, and found active at the start
    mailer.start()
    try:
        assert wait_mailed(alerts, "sim_account:m1")
        threading.Event().wait(0.2)
    finally:
        mailer.stop()
    assert len(box.sent) == 2  # two administrators, once each
    assert alerts.get("sim_account:m1").mail.startswith("e-mailed to ")
