"""Property: any Unicode text goes driver -> emulator -> deliveries file unchanged."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.sim import ModemProfile, SimModem
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker

from modem_waits import wait_ready


def test_random_unicode_round_trips_through_the_deliveries_file(tmp_path):
    deliveries = tmp_path / "deliveries.jsonl"
    sim = SimModem(ModemProfile(urc_interval=0.05, seed=11), deliveries_path=deliveries).start()
    worker = ModemWorker("rt", SerialSettings(port=sim.port), ModemOptions())
    worker.start()
    sent: list[tuple[str, str]] = []
    try:
        wait_ready(worker)

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            text=st.text(min_size=1, max_size=400),
            number=st.from_regex(r"\+62[1-9][0-9]{7,11}", fullmatch=True),
        )
        def round_trip(text: str, number: str) -> None:
            result = worker.submit_sms(encode_sms(number, text)).result(30)
            assert result.outcome is SendOutcome.SENT, result
            sent.append((number, text))
            [delivery] = sim.wait_for_deliveries(len(sent))[-1:]
            assert (delivery.to, delivery.text) == (number, text)

        round_trip()
    finally:
        worker.stop()
        sim.stop()
    lines = [json.loads(line) for line in deliveries.read_text("utf-8").split("\n") if line]
    assert [(line["to"], line["text"]) for line in lines] == sent
    assert all(line["modem"] == sim.imei for line in lines)
