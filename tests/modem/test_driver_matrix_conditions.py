"""Every personality under every network condition that applies to it: the SMS path the
driver finds, and what each class of send error does to routing, fail-over and alerts.

One rig for the module; each test puts one modem under its conditions and restores it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from matrix_rigs import (
    FALLBACK,
    HOME_PATH,
    LTE,
    PERSONALITIES,
    Rig,
    profile_of,
    start_rig,
    wait_until,
)

from otpbroker.domain.message import SendOutcome

RADIO_CASES = (
    [(name, "2g", "cs") for name in PERSONALITIES]
    + [(name, "3g", "cs") for name in PERSONALITIES if name != "simcom-sim800"]
    + [(name, "lte-sgs", "sgs") for name in LTE]
    + [(name, "lte-no-sms:0", "lte_only") for name in LTE]
    + [(name, "lte-ims", "ims") for name in LTE]
)
UNREGISTERED_CASES = [
    (name, condition, words)
    for name in PERSONALITIES
    for condition, words in (("denied", "denied registration"), ("searching", "searching"))
]
ACCOUNT_CASES = [(n, c, e) for n in PERSONALITIES for c, e in (("sim-barred", "CMS8"),
                                                                 ("no-credit", "CMS50"))]  # fmt: skip


@pytest.fixture(scope="module")
def rig(tmp_path_factory) -> Iterator[Rig]:
    link_dir = tmp_path_factory.mktemp("matrix-conditions")
    started = start_rig(link_dir, {name: profile_of(name, seed=11) for name in PERSONALITIES})
    yield started
    started.stop()


@pytest.fixture
def under(rig) -> Iterator[Callable[..., None]]:
    """Put a modem under conditions for one test; afterwards it is itself again."""
    changed: list[str] = []

    def apply(name: str, *conditions: str) -> None:
        rig.sims[name].set_conditions(list(conditions))
        changed.append(name)

    yield apply
    for name in changed:
        rig.sims[name].set_conditions([])
        rig.sims[name].clear_faults()
        rig.health.release(name, "the test is over")
    for name in changed:
        home = HOME_PATH[name]
        assert wait_until(lambda n=name, h=home: rig.status(n).sms_path.code == h, 10)
        assert wait_until(lambda n=name: rig.route(n).healthy, 10), rig.route(name)


def path_code(rig: Rig, name: str) -> str | None:
    verdict = rig.status(name).sms_path
    return verdict.code if verdict is not None else None


@pytest.mark.parametrize(("name", "condition", "code"), RADIO_CASES)
def test_radio_conditions_give_their_sms_path(rig, under, name, condition, code):
    under(name, condition)
    assert wait_until(lambda: path_code(rig, name) == code, 10), rig.status(name).sms_path
    if code != "lte_only":
        assert rig.status(name).sms_path.path.value == code  # ims: read from +CIREG/QCFG
        assert rig.route(name).healthy
        text = "Kode 5521 😀 " + "Привет, " * 12  # UCS2, two parts
        sim = rig.sims[name]
        before = len(sim.deliveries)
        assert rig.send(name, text).modem_id == name
        assert sim.wait_for_deliveries(before + 1)[-1].text == text
        return
    route = rig.route(name)
    assert route.reason == "no_sms_path" and "LTE only" in route.reason_text
    delivery = rig.send(name, "otp 2")  # routing skips the modem without a path
    assert delivery.outcome is SendOutcome.SENT and delivery.modem_id == FALLBACK
    assert [a.modem_id for a in delivery.attempts] == [FALLBACK]
    alert = rig.alerts.get(f"no_sms_path:{name}")
    assert alert is not None and alert.severity == "warning" and "LTE only" in alert.text
    test = rig.send(name, "otp 3", manual=True)  # the administrator insists on this modem
    assert test.outcome is SendOutcome.FAILED and test.error_code == "CMS500"
    assert test.error_class == "no_sms_path"


@pytest.mark.parametrize(("name", "condition", "words"), UNREGISTERED_CASES)
def test_a_modem_the_network_keeps_out_leaves_routing_with_the_plain_reason(
    rig, under, name, condition, words
):
    sim = rig.sims[name]
    before = len(sim.deliveries)
    under(name, condition)
    assert wait_until(lambda: path_code(rig, name) == condition, 10), rig.status(name).sms_path
    verdict = rig.status(name).sms_path
    assert verdict.path.value == "none" and verdict.reason.startswith("not registered: ")
    assert words in verdict.reason
    route = rig.route(name)
    assert route.reason == "no_sms_path" and words in route.reason_text
    delivery = rig.send(name, "otp elsewhere")  # routing skips the modem without a path
    assert delivery.outcome is SendOutcome.SENT and delivery.modem_id == FALLBACK
    assert [a.modem_id for a in delivery.attempts] == [FALLBACK]
    test = rig.send(name, "otp insisted", manual=True)  # the network answers for itself
    assert test.outcome is SendOutcome.FAILED and test.error_code == "CMS331"
    assert test.error_class == "transient"
    assert len(sim.deliveries) == before


@pytest.mark.parametrize("name", PERSONALITIES)
def test_roaming_and_weak_signal_are_noted_and_still_routed(rig, under, name):
    under(name, "roaming", "weak-signal:4")
    # the two conditions reach the driver one after the other: wait for both
    assert wait_until(lambda: rig.status(name).sms_path.roaming, 10)
    assert wait_until(lambda: rig.status(name).sms_path.weak_signal, 10)
    verdict = rig.status(name).sms_path
    assert verdict.weak_signal and verdict.available
    assert "roaming" in verdict.reason and "weak" in verdict.reason
    assert rig.route(name).healthy


@pytest.mark.parametrize(("name", "condition", "code"), ACCOUNT_CASES)
def test_sim_account_errors_take_the_modem_out_and_fail_over(rig, under, name, condition, code):
    under(name, condition)
    delivery = rig.send(name, "otp barred")
    assert delivery.outcome is SendOutcome.SENT and delivery.modem_id == FALLBACK
    assert [(a.modem_id, a.error) for a in delivery.attempts] == [(name, code), (FALLBACK, None)]
    route = rig.route(name)
    assert route.reason == "sim_account" and code in route.reason_text
    alert = rig.alerts.get(f"sim_account:{name}")
    assert alert is not None and alert.modem_id == name and "SIM" in alert.advice
    again = rig.send(name, "otp next")  # held: not tried again
    assert [a.modem_id for a in again.attempts] == [FALLBACK]
    assert rig.health.put_back(name) and rig.route(name).healthy
    assert rig.alerts.get(f"sim_account:{name}") is None


@pytest.mark.parametrize("name", PERSONALITIES)
def test_a_missing_sms_centre_asks_the_administrator_to_set_it(rig, under, name):
    under(name, "no-smsc")
    delivery = rig.send(name, "otp smsc")
    assert delivery.modem_id == FALLBACK and delivery.attempts[0].error == "CMS330"
    route = rig.route(name)
    assert route.reason == "configuration" and "SMS center" in route.reason_text
    assert rig.alerts.get(f"configuration:{name}") is not None


@pytest.mark.parametrize("name", PERSONALITIES)
def test_a_flaky_network_fails_over_without_a_hold(rig, under, name):
    under(name, "network-flaky:1")
    delivery = rig.send(name, "otp flaky")
    assert delivery.modem_id == FALLBACK and delivery.attempts[0].error in ("CMS331", "CMS332")
    assert rig.route(name).healthy and rig.alerts.active() == []
    test = rig.send(name, "otp flaky 2", manual=True)
    assert test.outcome is SendOutcome.FAILED and test.error_class == "transient"


@pytest.mark.parametrize("name", PERSONALITIES)
def test_a_number_error_is_not_tried_on_another_modem(rig, under, name):
    under(name)
    rig.sims[name].inject("cms-error", code=1)
    delivery = rig.send(name, "otp to nobody")
    assert delivery.outcome is SendOutcome.FAILED and delivery.modem_id == name
    assert [a.modem_id for a in delivery.attempts] == [name]
    assert delivery.error_class == "number" and "not assigned" in (delivery.error_text or "")
    assert rig.route(name).healthy


@pytest.mark.parametrize("name", PERSONALITIES)
def test_an_unclassified_error_on_a_modem_with_a_path_is_transient(rig, under, name):
    under(name)
    rig.sims[name].inject("cms-error", code=500)
    delivery = rig.send(name, "otp 500", manual=True)
    assert delivery.outcome is SendOutcome.FAILED and delivery.error_class == "transient"
    assert rig.status(name).sms_path.available and rig.route(name).healthy


@pytest.mark.parametrize("name", ["quectel-ec25", "huawei-e3131"])
def test_a_held_modem_comes_back_by_itself_with_a_new_sim(rig, under, name):
    sim = rig.sims[name]
    old_imsi = sim.profile.imsi
    under(name, "sim-barred")
    rig.send(name, "otp barred")
    assert rig.route(name).reason == "sim_account"
    try:
        sim.profile.imsi = "510109999999999"  # another SIM goes in (power cycled)
        sim.set_conditions([])
        sim.replug()
        assert wait_until(lambda: rig.status(name).identity.imsi == "510109999999999", 15)
        assert wait_until(lambda: rig.route(name).healthy, 10), rig.route(name)
        assert rig.alerts.get(f"sim_account:{name}") is None
    finally:
        sim.profile.imsi = old_imsi
        sim.replug()
        assert wait_until(lambda: rig.status(name).identity.imsi == old_imsi, 15)
