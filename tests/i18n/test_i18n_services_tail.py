"""Texts made below the web layer and read by a person, in both languages: password rules,
mail address checks, the test mail, feeder connection tests, send-limit refusals, why
routing skips a modem, firewall summaries, safety-net notices and refusals, DDNS field
errors, HTTPS certificate checks and ``otp-broker modem-sim --help``. Indonesian when the
reader asks for it, English by default, and English in the REST API whatever the admin
reads."""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "api"))
sys.path.insert(0, str(TESTS / "admin"))
from admin_client import LanguageClient  # noqa: E402
from broker_harness import BrokerHarness  # noqa: E402

from otpbroker.config.errors import ConfigError  # noqa: E402
from otpbroker.config.store import check_new_password  # noqa: E402
from otpbroker.domain.errors import InvalidAddressError  # noqa: E402
from otpbroker.domain.mail import validate_address  # noqa: E402
from otpbroker.domain.pumping import RateLimit, Refusal  # noqa: E402
from otpbroker.domain.routing import INACTIVE_WORDS, ModemRoute  # noqa: E402
from otpbroker.feeders import ws  # noqa: E402
from otpbroker.i18n.translate import use_language  # noqa: E402
from otpbroker.modem.sim.command import register  # noqa: E402
from otpbroker.modem.status import ModemStatus  # noqa: E402
from otpbroker.services import firewall_rules, mail_accounts  # noqa: E402
from otpbroker.services.ddns_accounts import account_problems  # noqa: E402
from otpbroker.services.feeder_settings import FeederSettings  # noqa: E402
from otpbroker.services.network_apply import NotApplied, SafetyNet  # noqa: E402
from otpbroker.services.network_changes import REVERTED, NetworkChanges  # noqa: E402
from otpbroker.services.send_limits import refusal_text  # noqa: E402
from otpbroker.system import tls  # noqa: E402

INDONESIAN_BROWSER = "id-ID,id;q=0.9,en;q=0.5"


def test_password_rules():
    with use_language("id"), pytest.raises(ConfigError, match="harus minimal 8 karakter"):
        check_new_password("short")
    with pytest.raises(ConfigError, match="must be at least 8 characters long"):
        check_new_password("short")


def test_mail_address_checks():
    with use_language("id"), pytest.raises(InvalidAddressError, match="penerima tidak memiliki"):
        validate_address("not-an-address")
    with pytest.raises(InvalidAddressError, match="recipient has no '@'"):
        validate_address("not-an-address")


def test_test_mail_result_is_one_sentence():
    sent = SimpleNamespace(ok=True, data={"account": "office"})
    with use_language("id"):
        assert mail_accounts.test_outcome(sent, "me@example.com") == (
            "Email uji terkirim ke me@example.com melalui akun office.")  # fmt: skip
    assert mail_accounts.test_outcome(sent, "me@example.com") == (
        "Test mail sent to me@example.com via account office.")  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_feeder_connection_test():
    settings = FeederSettings(SimpleNamespace(), {"ws": ws.probe})  # type: ignore[arg-type]
    settings.stored = lambda name: {}  # type: ignore[method-assign]
    values = {"url": f"ws://127.0.0.1:{free_port()}/", "password": "secret-1"}
    with use_language("id"):
        connected, text = settings.test("ws", values, timeout=2)
    assert not connected and "koneksi ditolak" in text and "ketik kata sandi lagi" in text
    connected, text = settings.test("ws", values, timeout=2)
    assert "connection refused (nothing listens on that port)" in text
    assert text.endswith("it is never sent back to the browser)")


def test_send_limit_refusals():
    hourly = Refusal("recipient", RateLimit("recipient", 3, 3600, "limits.recipient_per_hour"), 60)
    listed = Refusal("prefix_denied")
    with use_language("id"):
        assert refusal_text(hourly, "6281234567890") == (
            "terlalu banyak pesan ke 6281*******90: 3 per jam (limits.recipient_per_hour); "
            "coba lagi dalam 60 detik")  # fmt: skip
        assert refusal_text(listed, "6289912345").startswith("Pesan tidak boleh dikirim ke")
    assert refusal_text(hourly, "6281234567890") == (
        "too many messages to 6281*******90: 3 per hour (limits.recipient_per_hour); "
        "retry in 60 s")  # fmt: skip


def test_why_routing_skips_a_modem():
    route = ModemRoute("m1", active=False, healthy=False, reason="inactive",
                       reason_text="deactivated by the administrator",
                       reason_words=(INACTIVE_WORDS,))  # fmt: skip
    no_sim = ModemStatus("m2", "/dev/ttyUSB0", state="no_sim")
    raw = ModemRoute("m3", healthy=False, reason="dead", reason_text="+CME ERROR: 10")
    with use_language("id"):
        assert route.shown_reason() == "dinonaktifkan oleh administrator"
        shown = ModemRoute("m2", reason_words=no_sim.out_of_routing_words).shown_reason()
        assert shown.startswith("Tidak ada kartu SIM")
        assert raw.shown_reason() == "+CME ERROR: 10"  # the modem's own words
    assert route.shown_reason() == "deactivated by the administrator"
    assert ModemRoute("m2", reason_words=no_sim.out_of_routing_words).shown_reason() == (
        no_sim.out_of_routing[1])  # fmt: skip


def test_firewall_summaries_and_safety_net(tmp_path):
    port = {"port": 8080, "protocol": "tcp", "interface": "eth0"}
    with use_language("id"):
        english, shown = firewall_rules.summary(port, "opened")
        with pytest.raises(NotApplied, match="Tidak ada yang perlu dikonfirmasi"):
            SafetyNet(None, None, lambda: None, None).confirm("token")  # type: ignore[arg-type]
    assert (english, shown) == ("port 8080/tcp on eth0 opened", "port 8080/tcp di eth0 dibuka")
    assert firewall_rules.summary({**port, "interface": ""}, "added")[1] == "port 8080/tcp added"
    with pytest.raises(NotApplied, match="Nothing to confirm: no privileged helper"):
        SafetyNet(None, None, lambda: None, None).confirm("token")  # type: ignore[arg-type]
    changes = NetworkChanges(None, lambda: None, tmp_path)  # type: ignore[arg-type]
    changes._notice(REVERTED, summary=english)  # as the watcher thread keeps it
    changes._notice(REVERTED, summary=english)
    with use_language("id"):
        assert changes.take_notices()[0].startswith("Perubahan port 8080/tcp on eth0 opened tidak")
    assert changes.take_notices() == []
    changes._notice(REVERTED, summary=english)
    assert changes.take_notices()[0].endswith("reverted; the previous settings are back.")


def test_ddns_field_errors():
    with use_language("id"):
        assert account_problems({"provider": "dynu"}, None) == {
            "username": "wajib untuk penyedia ini",
            "password": "wajib untuk penyedia ini",
        }
        assert account_problems({"provider": "x"}, None)["provider"].startswith("harus salah")
    assert account_problems({"provider": "noip"}, None)["password"] == "required for this provider"


def test_https_certificate_checks(tmp_path):
    with use_language("id"), pytest.raises(tls.CertificateError, match="bukan sertifikat PEM"):
        tls.install_uploaded(tmp_path, b"junk", b"junk")
    with pytest.raises(tls.CertificateError, match="not a PEM certificate"):
        tls.install_uploaded(tmp_path, b"junk", b"junk")


def test_modem_sim_help():
    with use_language("id"):
        parser = register(argparse.ArgumentParser(prog="otp-broker").add_subparsers())
        helped = parser.format_help()
    assert "Modem GSM emulasi di pseudo-terminal" in helped and "jumlah modem" in helped
    english = register(argparse.ArgumentParser(prog="otp-broker").add_subparsers()).format_help()
    assert "Emulated GSM modems" in english and "number of modems" in english


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path / "data")
    h.add_modem()
    h.add_user()
    h.broker.store.update_settings({"limits.denied_prefixes": ["62899"]})
    h.start()
    yield h
    h.stop()


def test_admin_in_indonesian_while_the_api_refuses_in_english(harness):
    client = LanguageClient(harness.base, INDONESIAN_BROWSER)
    client.get("/setup")
    form = {"setup_code": harness.broker.setup_code.read(), "username": "owner",
            "password": "owner-password-1", "password2": "owner-password-1"}  # fmt: skip
    assert client.post("/setup", form)[0] == 303
    client.get("/mail")
    status, page, _ = client.post("/mail/test", {"recipient": "someone@example.test"})
    assert status == 200 and "Email uji tidak terkirim (1210)" in page
    status, body, _ = harness.send_sms("08991234567", "Kode OTP 1")
    assert status == 403 and body["response_text"] == (
        "6289******67 may not be sent to: it starts with a prefix in limits.denied_prefixes"
    )
    status, page, _ = client.post("/mail/test", {"recipient": "someone@example.test"})
    assert "Email uji tidak terkirim (1210)" in page  # and the admin still in Indonesian
