"""The standby state machine under a fake clock: failover, failback, hysteresis, errors."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

from otpbroker.config.errors import ConfigError
from otpbroker.config.schema import SETTINGS_BY_KEY, validate
from otpbroker.services.uplink_watch import ETHERNET, MOBILE, UplinkWatch
from otpbroker.system.default_route import DefaultRouteReader, route_devices
from otpbroker.web.metrics_uplink import uplink_lines

HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"


class Settings:
    def __init__(self, **values: Any) -> None:
        self.values = {
            "internet.mode": "standby",
            "internet.check_interval_seconds": 10,
            "internet.failover_after_seconds": 30,
            "internet.failback_after_seconds": 60,
            **{key.replace("__", "."): value for key, value in values.items()},
        }

    def get(self, key: str) -> Any:
        return self.values[key]


class Routes:
    def __init__(self, *devices: str) -> None:
        self.now = list(devices)
        self.broken = False

    def devices(self) -> list[str]:
        if self.broken:
            raise OSError("route table unreadable")
        return list(self.now)


class Links:
    """Connect adds the ppp default route as pppd would; disconnect removes it."""

    def __init__(self, routes: Routes) -> None:
        self.routes = routes
        self.calls: list[tuple[str, str]] = []
        self.refuse = ""

    def connect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        if self.refuse:
            raise RuntimeError(self.refuse)
        self.calls.append(("connect", str(record["id"])))
        self.routes.now.append("ppp0")
        return {"up": True}

    def disconnect(self, record: Mapping[str, Any]) -> dict[str, Any]:
        self.calls.append(("disconnect", str(record["id"])))
        self.routes.now.remove("ppp0")
        return {"up": False}


class Modems:
    def __init__(self, *ids: str) -> None:
        self.ids = ids

    def with_internet(self) -> list[dict[str, Any]]:
        return [{"id": modem_id, "name": modem_id} for modem_id in self.ids]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def rig(settings: Settings | None = None, modems: Modems | None = None):
    routes, clock = Routes("eth0"), Clock()
    links, hooks = Links(routes), []
    watch = UplinkWatch(settings or Settings(), routes, clock=clock, wall=lambda: 1.7e9)
    watch.connect(links, modems or Modems("m1", "m2"), lambda: hooks.append("ddns"),
                  lambda: hooks.append("feeders"))  # fmt: skip
    return watch, routes, links, clock, hooks


def run_for(watch: UplinkWatch, clock: Clock, seconds: float, step: float = 10.0) -> None:
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        watch.tick()


def test_ethernet_loss_brings_mobile_up_after_the_failover_wait_and_back_down() -> None:
    watch, routes, links, clock, hooks = rig()
    watch.tick()
    assert watch.state().active == ETHERNET and watch.state().ethernet_route
    routes.now.remove("eth0")
    watch.tick()  # the loss is seen: the wait starts
    run_for(watch, clock, 20)
    assert links.calls == [] and watch.state().active == ETHERNET
    run_for(watch, clock, 10)
    assert links.calls == [("connect", "m1")]  # the first modem with internet access
    watch.tick()  # the next check sees the route pppd added
    state = watch.state()
    assert state.active == MOBILE and state.mobile_route and not state.ethernet_route
    assert state.last_switch.startswith("to mobile at 2023-11-14T")
    assert hooks == ["ddns", "feeders"]
    routes.now.append("eth0")
    run_for(watch, clock, 50)
    assert links.calls == [("connect", "m1")]  # failback waits 60 s
    run_for(watch, clock, 20)
    assert links.calls == [("connect", "m1"), ("disconnect", "m1")]
    watch.tick()
    assert watch.state().active == ETHERNET and not watch.state().mobile_route
    assert hooks == ["ddns", "feeders", "ddns", "feeders"]


def test_a_flapping_route_does_not_flip_flop() -> None:
    watch, routes, links, clock, hooks = rig()
    for _ in range(10):  # down 20 s, up 10 s: never 30 s in a row without Ethernet
        routes.now = []
        watch.tick()
        run_for(watch, clock, 20)
        routes.now = ["eth0"]
        run_for(watch, clock, 10)
    assert links.calls == [] and hooks == []
    routes.now = []
    watch.tick()
    run_for(watch, clock, 30)
    assert links.calls == [("connect", "m1")]
    for _ in range(5):  # Ethernet back for 50 s, gone 10 s: mobile stays up
        routes.now.append("eth0")
        run_for(watch, clock, 50)
        routes.now.remove("eth0")
        run_for(watch, clock, 10)
    assert links.calls == [("connect", "m1")] and watch.state().active == MOBILE


def test_always_mode_only_reports() -> None:
    watch, routes, links, clock, _hooks = rig(Settings(internet__mode="always"))
    routes.now = []
    run_for(watch, clock, 600)
    state = watch.state()
    assert links.calls == [] and state.mode == "always" and not state.ethernet_route
    assert state.active == ETHERNET and state.last_switch == ""


def test_a_refused_connect_is_shown_logged_once_and_tried_again(caplog) -> None:
    watch, routes, links, clock, _hooks = rig()
    links.refuse = "Pause SMS on it first"
    routes.now = []
    caplog.set_level(logging.ERROR, logger="otpbroker.services.uplink_watch")
    watch.tick()
    run_for(watch, clock, 100)
    state = watch.state()
    assert state.active == ETHERNET and "Pause SMS on it first" in state.error
    assert len([r for r in caplog.records if "Pause SMS" in r.getMessage()]) == 1
    links.refuse = ""
    run_for(watch, clock, 30)
    assert links.calls == [("connect", "m1")] and watch.state().error == ""


def test_no_modem_with_internet_access_is_an_error_not_a_switch() -> None:
    watch, routes, _links, clock, hooks = rig(modems=Modems())
    routes.now = []
    watch.tick()
    run_for(watch, clock, 60)
    assert watch.state().active == ETHERNET
    assert watch.state().error == "switch to mobile failed: no modem has internet access turned on"
    assert hooks == []


def test_an_unreadable_route_table_changes_nothing() -> None:
    watch, routes, links, clock, _hooks = rig()
    watch.tick()
    routes.broken = True
    run_for(watch, clock, 120)
    assert links.calls == [] and "route table unreadable" in watch.state().error
    assert watch.state().ethernet_route  # the last reading stays


def test_route_table_parsing(tmp_path) -> None:
    text = "\n".join([
        HEADER,
        "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0",
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
        "ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0",
        "wlan0\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0",  # not up
    ])  # fmt: skip
    assert route_devices(text) == ["eth0", "ppp0"]
    assert route_devices(HEADER + "\n") == []
    with pytest.raises(ValueError, match="Iface"):
        route_devices("garbage")
    table = tmp_path / "route"
    table.write_text("nonsense\n")
    with pytest.raises(OSError, match="not a route table"):
        DefaultRouteReader(table).devices()
    with pytest.raises(OSError):
        DefaultRouteReader(tmp_path / "missing").devices()


def test_metrics_lines_follow_the_routes() -> None:
    watch, routes, _links, _clock, _hooks = rig()
    watch.tick()
    assert uplink_lines(watch)[-2:] == [
        'otpbroker_uplink{link="ethernet"} 1',
        'otpbroker_uplink{link="mobile"} 0',
    ]
    routes.now = ["ppp0"]
    watch.tick()
    assert uplink_lines(watch)[-2:] == [
        'otpbroker_uplink{link="ethernet"} 0',
        'otpbroker_uplink{link="mobile"} 1',
    ]


def test_settings_refuse_bad_values() -> None:
    assert SETTINGS_BY_KEY["internet.mode"].default == "always"
    with pytest.raises(ConfigError, match="must be one of"):
        validate("internet.mode", "sometimes")
    with pytest.raises(ConfigError):
        validate("internet.check_interval_seconds", 0)


class Feeder:
    def __init__(self, name: str, broken: bool = False) -> None:
        self.name, self.broken, self.woken = name, broken, 0

    def reconnect(self) -> None:
        self.woken += 1
        if self.broken:
            raise OSError("socket already closed")


class Feeders:
    def __init__(self, *feeders: Feeder) -> None:
        self.running = {feeder.name: feeder for feeder in feeders}

    def statuses(self) -> list[Any]:
        return [type("Status", (), {"name": name})() for name in [*self.running, "mqtt"]]

    def feeder(self, name: str) -> Feeder | None:
        return self.running.get(name)


def test_a_switch_reconnects_every_running_feeder_even_when_one_fails() -> None:
    from otpbroker.feeders.manager import reconnect_feeders

    broken, fine = Feeder("rabbitmq", broken=True), Feeder("ws")
    reconnect_feeders(Feeders(broken, fine))  # "mqtt" is not running: skipped
    assert (broken.woken, fine.woken) == (1, 1)


def test_a_mobile_link_up_when_standby_begins_is_taken_down_once_ethernet_holds() -> None:
    settings = Settings(internet__mode="always")
    watch, routes, links, clock, hooks = rig(settings)
    routes.now.append("ppp0")  # connected by hand, or left up by the previous run
    run_for(watch, clock, 300)
    assert links.calls == [] and watch.state().active == ETHERNET
    settings.values["internet.mode"] = "standby"
    watch.tick()
    assert watch.state().active == MOBILE
    run_for(watch, clock, 60)
    assert links.calls == [("disconnect", "m1")] and hooks == ["ddns", "feeders"]
    run_for(watch, clock, 300)  # not taken again
    assert links.calls == [("disconnect", "m1")] and watch.state().active == ETHERNET
