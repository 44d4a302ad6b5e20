"""The activity charts on the home and monitor pages and their fragment, against a real
broker with an emulated modem: what they show after real sends, the window switch, and what
they never show."""

from __future__ import annotations

import re
import sys
import urllib.request
from pathlib import Path

import pytest
from waiting import wait_until

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import running_broker

from otpbroker.domain.message_life import InboundSms, MessageState, StatusEvent
from otpbroker.web.admin.charts import CHARTS

NUMBER = "08126666666"
TEXT = "Kode OTP Anda 739154 rahasia"


@pytest.fixture
def harness(tmp_path):
    yield from running_broker(tmp_path / "data", with_user=True)


def charts_in(html: str) -> dict[str, str]:
    """``{chart key: its data-points}`` of every chart in ``html``."""
    return dict(re.findall(r'data-chart="([a-z]+-[a-z]+)" data-points="([0-9.e+-]+)"', html))


def test_home_and_monitor_show_the_last_hour_and_switch_to_the_day(harness, admin):
    keys = [key for key, *_ in CHARTS]
    status, home, _ = admin.get("/")
    assert status == 200
    assert list(charts_in(home)) == [f"{key}-hour" for key in keys]
    assert 'data-charts-src="/admin-api/charts/hour"' in home
    assert '<script src="/static/charts.js" defer>' in home
    status, day, _ = admin.get("/?charts=day")
    assert list(charts_in(day)) == [f"{key}-day" for key in keys]
    assert 'href="/?charts=day" aria-current="true"' in day
    status, monitor, _ = admin.get("/monitor?charts=day")
    assert status == 200 and list(charts_in(monitor)) == [f"{key}-day" for key in keys]
    assert '<script src="/static/charts.js" defer>' in monitor
    assert admin.get("/?charts=week")[0] == 200  # an unknown window: the hour
    assert "sent-hour" in charts_in(admin.get("/?charts=week")[1])


def test_the_fragment_follows_sends_reports_and_received_sms(harness, admin):
    before = charts_in(admin.get("/admin-api/charts/hour")[1])
    assert before["sent-hour"] == "0" and before["delivered-hour"] == "0"
    for n in range(3):
        status, reply, _ = harness.send_sms(NUMBER, TEXT, f"chart-{n}")
        assert (status, reply["response_code"]) == (200, "0000"), reply
    modem = harness.modem_ids[0]
    bus = harness.broker.two_way.bus
    bus.publish_status(StatusEvent("chart-0", MessageState.DELIVERED, "rest", modem_id=modem))
    bus.publish_inbound(InboundSms(modem, "+628111222333", "STOP", 0.0))
    status, fragment, headers = admin.get("/admin-api/charts/hour")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    after = charts_in(fragment)
    assert after["sent-hour"] == "3" and after["delivered-hour"] == "1"
    assert after["failed-hour"] == "0"
    assert float(after["latency-hour"]) > 0
    assert ">sim 0</text>" in fragment  # the series has the modem's name
    for secret in (TEXT, "739154", NUMBER, "628126666666", "628111222333", "STOP"):
        assert secret not in fragment


def test_the_fragment_needs_a_session_and_a_known_window(harness, admin):
    assert admin.get("/admin-api/charts/week")[0] == 404
    request = urllib.request.Request(harness.base + "/admin-api/charts/hour")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401


def test_the_running_broker_samples_signal_and_queue_for_the_charts(harness, admin):
    def sampled() -> bool:
        found = charts_in(admin.get("/admin-api/charts/hour")[1])
        return float(found["signal-hour"]) > 0 and "queue-hour" in found

    assert wait_until(sampled, timeout=40, step=0.5)  # read at start, then every 15 s
    fragment = admin.get("/admin-api/charts/hour")[1]
    queue = fragment.split('data-chart="queue-hour"')[1].split("</svg>")[0]
    assert ">sim 0</text>" in queue  # an idle modem's queue depth is read as 0, and drawn
