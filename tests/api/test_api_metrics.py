"""``/metrics``: messages waiting for a free modem and the modem a message is on, against a
real broker whose one emulated modem takes a second per SMS; and the exposition text of
every modem state."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from broker_harness import BrokerHarness
from waiting import wait_until

from otpbroker.domain.modem_states import MODEM_STATES
from otpbroker.web.metrics import ModemGauge, render_metrics

GENERIC = {"personality": "generic", "manufacturer": "OTP-Broker", "model": "GENERIC-3GPP"}


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path_factory.mktemp("metrics") / "data")
    h.add_modem(name="slow", profile={**GENERIC, "send_delay": 1.0})
    h.add_user()
    h.start()
    yield h
    h.stop()


def metric(text: str, name: str) -> int:
    match = re.search(rf"^{re.escape(name)} (\d+)$", text, re.M)
    assert match is not None, name
    return int(match.group(1))


def test_waiting_messages_and_the_busy_modem_are_shown(harness):
    modem = harness.modem_ids[0]
    busy = f'otpbroker_modem_busy{{modem="{modem}"}}'
    seen: list[tuple[int, int]] = []

    def sample() -> bool:
        text = harness.request("/metrics", method="GET", auth=None)[1]
        seen.append((metric(text, "otpbroker_sms_waiting"), metric(text, busy)))
        return seen[-1] == (2, 1)

    with ThreadPoolExecutor(3) as clients:
        replies = [clients.submit(harness.send_sms, "08126666666", f"Kode OTP 40{n}", f"w{n}")
                   for n in range(3)]  # fmt: skip
        assert wait_until(sample, 10), seen  # one on the modem, two waiting for it
        assert all(reply.result()[0] == 200 for reply in replies)
    text = harness.request("/metrics", method="GET", auth=None)[1]
    assert (metric(text, "otpbroker_sms_waiting"), metric(text, busy)) == (0, 0)
    assert metric(text, f'otpbroker_modem_queue_depth{{modem="{modem}"}}') == 0


def test_every_modem_state_has_its_line():
    gauge = ModemGauge("m1", "pin_unconfirmed", True, None, 0, 0, 0)
    text = render_metrics({}, [gauge], 5.0, waiting=4)
    for state in MODEM_STATES:
        value = int(state == "pin_unconfirmed")
        assert f'otpbroker_modem_state{{modem="m1",state="{state}"}} {value}' in text
    assert "otpbroker_sms_waiting 4\n" in text
    assert 'otpbroker_modem_busy{modem="m1"} 1\n' in text
    assert "# HELP otpbroker_sms_waiting Messages waiting for a free modem." in text
