"""An alert reaches the administrators by e-mail through a real SMTP server, without the
message text or the recipient's number; a modem's hold shows in the alert's mail note."""

from __future__ import annotations

import sys
from pathlib import Path

from broker_harness import BrokerHarness

sys.path.insert(0, str(Path(__file__).parents[1] / "mail"))
from smtp_servers import start_smtp
from waiting import wait_until

GENERIC = {"personality": "generic", "manufacturer": "OTP-Broker", "model": "GENERIC-3GPP"}


def test_a_barred_sim_alert_is_mailed_to_the_administrators(tmp_path):
    smtp = start_smtp("mx")
    harness = BrokerHarness(tmp_path / "data")
    store = harness.broker.store
    store.add("mail_accounts", {"name": "loopback", "host": "127.0.0.1", "port": smtp.port,
                                "security": "none", "auth": False,
                                "sender": "otp@example.com"})  # fmt: skip
    store.add("admins", {"username": "owner", "email": "owner@example.org"})
    store.add("admins", {"username": "nomail"})
    harness.add_modem(name="barred stick", prefixes=["62812"],
                      profile={**GENERIC, "conditions": ("sim-barred",)})  # fmt: skip
    harness.add_modem(name="spare", default_modem=True, profile=GENERIC)
    harness.add_user()
    harness.start()
    try:
        status, body, _ = harness.send_sms("0812-1234-5678", "Kode OTP Anda 918273", "m-1")
        assert status == 200 and body["data"]["modem"] == harness.modem_ids[1]
        assert wait_until(lambda: bool(smtp.received), 20)
        [mail] = smtp.received
        assert mail.rcpt_tos == ["owner@example.org"]
        message = mail.parsed()
        assert message["Subject"] == "OTP Broker alert: Modem barred stick: out of routing"
        text = message.get_content()
        assert "barred" in text and "What to do:" in text
        raw = mail.content.decode()
        assert "918273" not in raw and "6281212345678" not in raw and "12345678" not in text
        key = f"sim_account:{harness.modem_ids[0]}"

        def mail_noted() -> bool:  # noted once the server has taken the mail
            alert = harness.broker.alerts.get(key)
            return alert is not None and alert.mail != ""

        assert wait_until(mail_noted, 10)
        alert = harness.broker.alerts.get(key)
        assert alert is not None and alert.mail.startswith("e-mailed to ")
    finally:
        harness.stop()
        smtp.stop()


def test_an_alert_raised_while_the_broker_starts_is_mailed(tmp_path):
    """A modem without a SIM raises its alert as soon as its worker runs, which is before
    the broker starts its alert mailer: the mailer still sends it."""
    smtp = start_smtp("mx")
    harness = BrokerHarness(tmp_path / "data")
    store = harness.broker.store
    store.add("mail_accounts", {"name": "loopback", "host": "127.0.0.1", "port": smtp.port,
                                "security": "none", "auth": False,
                                "sender": "otp@example.com"})  # fmt: skip
    store.add("admins", {"username": "owner", "email": "owner@example.org"})
    _sim, modem_id = harness.add_modem(name="empty slot",
                                       profile={**GENERIC, "conditions": ("no-sim",)})  # fmt: skip
    key = f"no_sim:{modem_id}"
    try:
        harness.broker.reconciler.apply()  # the modems come first, as in Broker.start
        assert wait_until(lambda: harness.broker.alerts.get(key) is not None, 15)
        harness.broker.start("127.0.0.1", 0)
        assert wait_until(lambda: bool(smtp.received), 20)
        [mail] = smtp.received
        assert mail.parsed()["Subject"] == "OTP Broker alert: Modem empty slot: no SIM card"
        # noted on the alert once the mailer's send has returned (after the server took it)
        assert wait_until(lambda: harness.broker.alerts.get(key).mail != "", 10)
        assert harness.broker.alerts.get(key).mail.startswith("e-mailed to ")
    finally:
        harness.stop()
        smtp.stop()
