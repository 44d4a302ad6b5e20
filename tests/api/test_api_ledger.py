"""REST: an id sent before a restart is answered with its first outcome, not sent again."""

from __future__ import annotations

from pathlib import Path

from broker_harness import BrokerHarness

from otpbroker.web.openapi_schemas import REPLY_DATA


def test_an_id_sent_before_a_restart_is_answered_with_its_first_outcome(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = BrokerHarness(data)
    sim, _modem_id = first.add_modem()
    first.add_user()
    try:
        first.start()
        status, body, _ = first.send_sms("08126666666", "Kode 551203", "login-42")
        assert (status, body["response_code"]) == (200, "0000")
        assert "duplicate" not in body["data"]
    finally:
        first.broker.stop()  # the modem stays: the device restarts, the modem does not
    again = BrokerHarness(data)
    again.sims = first.sims
    try:
        again.start()
        status, body, _ = again.send_sms("08126666666", "Kode 551203", "login-42")
        assert (status, body["response_code"]) == (200, "0000")
        assert body["data"]["duplicate"] is True and body["data"]["state"] == "sent"
        assert set(body["data"]) <= set(REPLY_DATA["properties"])  # in the OpenAPI document
        status, body, _ = again.send_sms("08126666666", "Kode 551203", "other-id")
        assert (status, body["response_code"]) == (200, "0000") and "duplicate" not in body["data"]
        assert [d.text for d in sim.deliveries] == ["Kode 551203", "Kode 551203"]
    finally:
        again.stop()
