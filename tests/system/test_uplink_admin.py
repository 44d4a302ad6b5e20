"""The uplink against a running broker: the Internet page's uplink card and standby form,
and ``/metrics``' ``otpbroker_uplink`` gauge, both read from the device's route table."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "admin"))
from admin_client import AdminClient
from broker_harness import BrokerHarness, running_broker

from otpbroker.system.default_route import DefaultRouteReader


@pytest.fixture
def harness(tmp_path) -> Iterator[BrokerHarness]:
    yield from running_broker(tmp_path / "data")


def ethernet_now() -> bool:
    return any(not name.startswith("ppp") for name in DefaultRouteReader().devices())


def test_internet_page_shows_the_uplink_and_saves_standby_settings(harness) -> None:
    admin = AdminClient(harness.base)
    admin.setup(harness.broker.setup_code.read())
    uplink = harness.broker.two_way.uplink
    assert uplink is not None
    uplink.tick()
    status, text, _ = admin.get("/internet")
    assert status == 200
    assert '<dd data-uplink="mode">always:' in text
    shown = "yes" if ethernet_now() else "no"
    assert f'<dd data-uplink="ethernet">{shown}</dd>' in text
    assert '<dd data-uplink="last-switch">none since start</dd>' in text
    status, text, _ = admin.get("/internet/standby")
    assert status == 200 and 'name="internet.mode"' in text
    status, _, _ = admin.post("/internet/standby", {"internet.mode": "standby"}, csrf=False)
    assert status == 403 and harness.broker.settings.get("internet.mode") == "always"
    status, text, _ = admin.post(
        "/internet/standby",
        {"internet.mode": "sometimes", "internet.failover_after_seconds": "45"},
    )
    assert status == 400 and "must be one of" in text
    assert harness.broker.settings.get("internet.failover_after_seconds") == 30  # nothing
    status, _, headers = admin.post(
        "/internet/standby",
        {"internet.mode": "standby", "internet.failover_after_seconds": "45"},
    )
    assert status == 303 and headers["Location"].endswith("/internet/standby")
    assert harness.broker.settings.get("internet.mode") == "standby"
    assert harness.broker.settings.get("internet.failover_after_seconds") == 45
    uplink.tick()  # the next check reads the new mode
    _, text, _ = admin.get("/internet")
    assert '<dd data-uplink="mode">standby:' in text


def test_metrics_show_the_uplink_gauge(harness) -> None:
    uplink = harness.broker.two_way.uplink
    assert uplink is not None
    uplink.tick()
    status, text, _ = harness.request("/metrics", method="GET", auth=None)
    assert status == 200
    assert "# TYPE otpbroker_uplink gauge" in text
    assert f'otpbroker_uplink{{link="ethernet"}} {int(ethernet_now())}' in text
    assert 'otpbroker_uplink{link="mobile"} ' in text
