"""ModemHealth: holds after SIM/account and configuration errors, state and path alerts."""

from __future__ import annotations

from otpbroker.domain.routing import ModemRoute
from otpbroker.domain.send_errors import classify
from otpbroker.services.alerts import Alerts
from otpbroker.services.modem_health import ModemHealth

NAMES = {"m1": "Telkomsel stick", "m2": "XL stick"}


def make(**kwargs):
    alerts = Alerts()
    return alerts, ModemHealth(alerts, lambda: NAMES, **kwargs)


def route(modem_id: str = "m1", **fields) -> ModemRoute:
    return ModemRoute(modem_id, prefixes=("62811",), sim_id=fields.pop("sim_id", "510101"),
                      **fields)  # fmt: skip


def test_a_barred_sim_holds_its_modem_with_the_reason_and_an_alert():
    alerts, health = make()
    health.failed("m1", classify("CMS8"), route())
    [held, other] = health.routes([route(), route("m2")])
    assert not held.healthy and held.reason == "sim_account"
    assert "barred" in held.reason_text and "operator" in held.reason_text
    assert other.healthy
    alert = alerts.get("sim_account:m1")
    assert alert is not None and alert.title == "Modem Telkomsel stick: out of routing"


def test_transient_number_and_unknown_errors_hold_nothing():
    alerts, health = make()
    for code in ("CMS41", "CMS1", "CMS500", "NO_PROMPT"):
        health.failed("m1", classify(code), route())
    assert health.holds() == {} and alerts.active() == []
    assert health.routes([route()])[0].healthy


def test_a_missing_smsc_is_a_configuration_hold():
    alerts, health = make()
    health.failed("m1", classify("CMS330"), route())
    held = health.routes([route()])[0]
    assert held.reason == "configuration" and "SMS center" in held.reason_text
    assert alerts.get("configuration:m1") is not None


def test_the_administrator_puts_it_back_and_the_alert_clears():
    alerts, health = make()
    health.failed("m1", classify("CMS50"), route())
    assert health.put_back("m1")
    assert health.routes([route()])[0].healthy and alerts.active() == []
    assert not health.put_back("m1")  # nothing to do any more


def test_a_new_sim_ends_the_hold_by_itself():
    alerts, health = make()
    health.failed("m1", classify("CMS8"), route(sim_id="510101"))
    health.observe(route(sim_id="510101"))  # reconnected, same SIM: still held
    assert "m1" in health.holds()
    health.observe(route(sim_id="510999"))  # another IMSI after a reconnect
    assert "m1" not in health.holds() and alerts.active() == []


def test_a_hold_made_before_the_sim_was_known_learns_it_first():
    _alerts, health = make()
    health.failed("m1", classify("CMS8"), route(sim_id=None))
    health.observe(route(sim_id="510101"))
    assert health.holds()["m1"].sim_id == "510101"
    health.observe(route(sim_id="510202"))
    assert "m1" not in health.holds()


def test_a_successful_test_sms_ends_the_hold():
    _alerts, health = make()
    health.failed("m1", classify("CMS8"), route())
    health.sent("m1")
    assert health.holds() == {}


def test_a_dead_modem_raises_an_alert_and_the_retry_restarts_it():
    restarted: list[str] = []
    alerts, health = make(recover=lambda modem_id: restarted.append(modem_id) or True)
    health.observe(route(healthy=False, reason="dead", reason_text="not answering: gave up"))
    alert = alerts.get("dead:m1")
    assert alert is not None and "plug it in again" in alert.advice
    assert health.put_back("m1") and restarted == ["m1"]
    health.observe(route())  # it answers again
    assert alerts.get("dead:m1") is None


def test_locked_and_missing_sims_raise_alerts_with_the_advice():
    alerts, health = make()
    health.observe(route(healthy=False, reason="sim_locked", reason_text="type the PIN"))
    health.observe(route("m2", healthy=False, reason="no_sim", reason_text="insert a SIM"))
    assert alerts.get("sim_locked:m1").text == "type the PIN"
    assert alerts.get("no_sim:m2").text == "insert a SIM"


def test_a_lost_sms_path_raises_an_alert_only_when_it_lasts():
    now = [0.0]
    alerts, health = make(path_alert_after=120.0, clock=lambda: now[0])
    lost = route(healthy=False, reason="no_sms_path", reason_text="not registered: searching")
    health.observe(lost)
    now[0] = 60.0
    health.observe(lost)
    assert alerts.get("no_sms_path:m1") is None  # a modem looking for its network
    now[0] = 130.0
    health.observe(lost)
    alert = alerts.get("no_sms_path:m1")
    assert alert is not None and alert.severity == "warning"
    health.observe(route())
    assert alerts.get("no_sms_path:m1") is None


def test_a_removed_or_deactivated_modem_drops_its_hold_and_alerts():
    alerts, health = make()
    health.failed("m1", classify("CMS8"), route())
    health.observe(route(healthy=False, reason="dead", reason_text="gave up"))
    health.observe(route(active=False, healthy=False, reason="inactive"))
    assert health.holds() == {} and alerts.active() == []
