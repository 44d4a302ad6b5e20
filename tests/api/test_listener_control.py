"""The web layer's wiring pieces: the listener plan (serve's options win), the settings it
follows after start, the served certificate, the app slot, the API paths and /metrics."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from otpbroker.config import schema
from otpbroker.services.alerts import Alerts
from otpbroker.services.events import EventLog
from otpbroker.web.api_paths import ApiPaths
from otpbroker.web.app_slot import AppSlot
from otpbroker.web.listener_control import (
    SERVER_MARGIN,
    ConfiguredListeners,
    ListenOptions,
    ServedCertificate,
    front_limits,
)
from otpbroker.web.listener_plan import ListenerPlan, TlsFiles
from otpbroker.web.metrics_assembler import MetricsAssembler

SETTINGS = {**{s.key: s.default for s in schema.SETTINGS}, "api.http_port": 8080,
            "api.https_port": 8443, "api.http_enabled": True, "api.https_enabled": False}  # fmt: skip
LIMITS = front_limits(SETTINGS)


def test_the_plan_takes_the_configured_ports_unless_serve_gives_one():
    assert ListenOptions("0.0.0.0").plan(SETTINGS) == ListenerPlan("0.0.0.0", 8080, None, LIMITS)
    both = {**SETTINGS, "api.https_enabled": True}
    assert ListenOptions("::", 0, 9443).plan(both) == ListenerPlan("::", 0, 9443, LIMITS)


def test_the_front_limits_come_from_the_settings_and_outwait_the_longest_send():
    settings = {**SETTINGS, "front.max_connections": 300, "front.max_connections_per_client": 7,
                "front.request_timeout_seconds": 3, "front.keep_alive_seconds": 4,
                "front.queue_timeout_seconds": 5, "sms.queue_timeout_seconds": 100,
                "sms.max_attempts": 2, "sms.prompt_timeout_seconds": 10,
                "sms.result_timeout_seconds": 60}  # fmt: skip
    limits = front_limits(settings)
    assert (limits.max_connections, limits.max_connections_per_client) == (300, 7)
    assert (limits.request_timeout, limits.keep_alive, limits.queue_timeout) == (3, 4, 5)
    assert limits.server_timeout == 100 + 2 * (10 + 60) + SERVER_MARGIN


class FakeListeners:
    def __init__(self):
        self.applied, self.requested, self.closed = [], [], False

    def apply(self, plan):
        self.applied.append(plan)

    def request(self, plan):
        self.requested.append(plan)

    def close(self):
        self.closed = True


def test_settings_move_the_listeners_only_between_start_and_stop():
    fake = FakeListeners()
    control = ConfiguredListeners(fake)
    control.apply(SETTINGS)
    assert fake.requested == []
    assert control.start(ListenOptions("127.0.0.1", 0), SETTINGS) is fake
    assert fake.applied == [ListenerPlan("127.0.0.1", 0, None, LIMITS)]
    control.apply({**SETTINGS, "api.http_enabled": False})
    assert fake.requested == [ListenerPlan("127.0.0.1", None, None, LIMITS)]
    control.stop()
    control.apply(SETTINGS)
    assert fake.closed and len(fake.requested) == 1


def test_the_served_certificate_is_the_pair_s_files():
    pair = SimpleNamespace(
        files=lambda: SimpleNamespace(certificate="c.pem", key="k.pem", stamp=1.5)
    )
    assert ServedCertificate(pair)() == TlsFiles("c.pem", "k.pem", 1.5)


def test_the_app_slot_answers_503_until_filled_once():
    started = []
    slot = AppSlot()
    assert slot({}, lambda status, headers: started.append(status)) == [b"starting\n"]
    assert started == ["503 Service Unavailable"]
    slot.fill(lambda environ, start_response: [b"hello"])
    assert slot({}, lambda *_: None) == [b"hello"]
    with pytest.raises(RuntimeError):
        slot.fill(lambda environ, start_response: [])


def test_api_paths_are_read_from_the_settings_at_each_call():
    settings = {"api.message_path": "/message", "api.sms_path": "/sms"}
    paths = ApiPaths(SimpleNamespace(get=lambda key: settings.get(key)))
    assert paths("/sms") and not paths("/login")
    settings["api.sms_path"] = "/send"
    assert paths("/send") and not paths("/sms")


def test_metrics_gather_modems_routes_feeders_events_and_alerts():
    status = SimpleNamespace(modem_id="m1", state="ready", network=SimpleNamespace(signal_percent=70),
                             sent=3, failed=1, unknown=0, sms_path=None)  # fmt: skip
    modems = SimpleNamespace(statuses=lambda: [status], busy=lambda: frozenset({"m1"}),
                             waiting=lambda: 2)  # fmt: skip
    routing = SimpleNamespace(routes=lambda: [SimpleNamespace(id="m1", reason="held")])
    feeder = SimpleNamespace(name="mqtt", state="connected", received=5, processed=4,
                             rejected=1, reconnects=0)  # fmt: skip
    feeders = SimpleNamespace(statuses=lambda: [feeder])
    events = EventLog()
    assembler = MetricsAssembler(modems, routing, feeders, events, Alerts(),
                                 clock=lambda: events.started + 42)  # fmt: skip
    [gauge] = assembler.modem_gauges()
    assert gauge.busy and gauge.out_of_routing == "held" and gauge.signal_percent == 70
    assert [g.name for g in assembler.feeder_gauges()] == ["mqtt"]
    text = assembler()
    assert "otpbroker_uptime_seconds 42" in text and "otpbroker_sms_waiting 2" in text
