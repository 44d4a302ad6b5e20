"""Words the pages took from machine values, in the page's language: the monitor's SMS path
reason (the title of the path cell) is the domain's message, as on the modems page, not the
modem layer's English; the fleet page's modem and ledger states are words, not codes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from otpbroker.domain import sms_path
from otpbroker.i18n.translate import use_language
from otpbroker.services.webhook_failures import attempts_failed, failure_words
from otpbroker.web.admin.modem_words import word
from otpbroker.web.admin.monitor_json import modem_json
from otpbroker.web.admin.pages import fleet


def status() -> SimpleNamespace:
    """A connected modem registered on 2G/3G."""
    verdict = sms_path._verdict("cs", sms_path.SmsPathReadings(cs=1, rssi=20))
    return SimpleNamespace(modem_id="m1", state="ready", connected=True, network=None,
                           identity=None, sms_path=verdict, last_error=None)  # fmt: skip


def test_the_sms_path_reason_is_indonesian() -> None:
    with use_language("id"):
        data = modem_json(status(), {"m1": "sim 0"})
    assert data["sms_path_reason"] == "terdaftar di 2G/3G: SMS circuit-switched"
    assert data["state_label"] == "siap" and data["sms_path"] == "cs"


def test_the_sms_path_reason_is_english_by_default() -> None:
    data = modem_json(status(), {"m1": "sim 0"})
    assert data["sms_path_reason"] == "registered on 2G/3G: circuit-switched SMS"


def held_by(state: str) -> SimpleNamespace:
    """Admin services whose shared ledger holds every id in ``state``, on device pi-2."""
    held = SimpleNamespace(device="pi-2", state=state, at=1_800_000_000.0)
    return SimpleNamespace(fleet=SimpleNamespace(who_sent=lambda message_id: held))


def test_the_fleet_states_are_indonesian() -> None:
    with use_language("id"):
        assert fleet._lookup(held_by("sending"), "m-1")["state"] == "sedang dikirim"
        assert fleet._lookup(held_by("sent"), "m-1")["state"] == "terkirim"
        assert word("ready") == "siap"


def test_the_fleet_states_are_english_by_default() -> None:
    assert fleet._lookup(held_by("sending"), "m-1")["state"] == "sending"
    assert word("ready") == "ready"


@pytest.mark.parametrize(
    ("stored", "indonesian"),
    [
        ("network error: timed out", "galat jaringan: timed out"),
        ("answered HTTP 503", "menjawab HTTP 503"),
        ("refused: a private address", "ditolak: a private address"),
        ("1 attempt failed", "1 percobaan gagal"),
        ("8 attempts failed", "8 percobaan gagal"),
        ("older than 86400 s", "lebih lama dari 86400 detik"),
        ("something else", "something else"),
    ],
)
def test_a_webhooks_stored_failure_is_worded_in_the_readers_language(
    stored: str, indonesian: str
) -> None:
    """The delivery keeps its failures in English (logs, dead letters, the API); the admin
    words them again in the page's language."""

    with use_language("en"):
        assert failure_words(stored) == stored
    with use_language("id"):
        assert failure_words(stored) == indonesian
    assert attempts_failed(1) == "1 attempt failed" and attempts_failed(2) == "2 attempts failed"
