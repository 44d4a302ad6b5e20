"""SIM caps through a real broker: a capped modem's traffic goes to the other modem of its
route; when both are capped the REST API answers 1108 with Retry-After at once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from broker_harness import BrokerHarness

GENERIC = {"personality": "generic", "manufacturer": "OTP-Broker", "model": "GENERIC-3GPP"}


@pytest.fixture
def harness(tmp_path) -> Iterator[BrokerHarness]:
    h = BrokerHarness(tmp_path / "data")
    for name in ("first", "second"):
        h.add_modem(name=name, profile=GENERIC, default_modem=True, max_per_day=2)
    h.add_user()
    h.start()
    yield h
    h.stop()


def test_traffic_moves_to_the_other_modem_then_every_one_capped_is_1108(harness) -> None:
    used = []
    for n in range(4):
        status, body, _ = harness.send_sms("08126666666", f"Kode OTP {n}")
        assert status == 200, body
        used.append(body["data"]["modem"])
    assert sorted(used) == sorted(harness.modem_ids * 2)  # two each, never three
    started = time.monotonic()
    status, body, headers = harness.send_sms("08126666666", "Kode OTP 5")
    assert time.monotonic() - started < 30  # refused at once, not after the queue time-out
    assert status == 503 and body["response_code"] == "1108", body
    retry = body["data"]["retry_after"]
    assert 0 < retry <= 86400 and headers["Retry-After"] == str(retry)
    assert "sending cap" in body["response_text"]
    routes = {r.id: r for r in harness.broker.sms.routes()}
    assert all(routes[m].reason == "quota" for m in harness.modem_ids)
    status, text, _ = harness.request("/metrics", method="GET", auth=None)
    first = harness.modem_ids[0]
    assert f'otpbroker_modem_sim_sent{{modem="{first}",window="day"}} 2' in text
    assert f'otpbroker_modem_sim_cap{{modem="{first}",window="day"}} 2' in text
    assert f'otpbroker_modem_out_of_routing{{modem="{first}",reason="quota"}} 1' in text
    assert f'otpbroker_quota_refusals_total{{modem="{first}"}} 1' in text
