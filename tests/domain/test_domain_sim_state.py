"""PIN safety and advice for every SIM state (domain/sim_state.py)."""

from __future__ import annotations

from otpbroker.domain.modem_states import MODEM_STATES, PERMANENT_STATES, STATE_REASONS
from otpbroker.domain.routing import OUT_OF_ROUTING
from otpbroker.domain.sim_state import MIN_PIN_TRIES, SIM_STATES, may_enter_pin, sim_advice


def test_a_pin_is_entered_only_with_two_tries_or_more_or_unknown_tries():
    assert MIN_PIN_TRIES == 2
    assert may_enter_pin(None) and may_enter_pin(3) and may_enter_pin(2)
    assert not may_enter_pin(1) and not may_enter_pin(0)


def test_every_sim_state_says_what_to_do():
    for state in PERMANENT_STATES:  # every state the driver stays in about its SIM
        assert state in SIM_STATES
        assert len(sim_advice(state)) > 40, state
    assert "phone" in sim_advice("pin_low_tries") and "2" in sim_advice("pin_low_tries")
    assert "never sends a PUK" in sim_advice("puk_required")


def test_advice_names_the_tries_left_when_known():
    assert sim_advice("pin_low_tries", 1).endswith("PIN tries left: 1.")
    assert "tries left" not in sim_advice("puk_required", 1)
    assert sim_advice("ready") == "" and sim_advice("disconnected") == ""


def test_an_unconfirmed_pin_says_it_is_not_entered_again_and_how_to_go_on():
    advice = sim_advice("pin_unconfirmed", 2)
    assert "not be entered again" in advice and "deactivate and activate" in advice
    assert advice.endswith("PIN tries left: 2.")


def test_one_list_of_modem_states_each_with_its_routing_reason():
    assert len(set(MODEM_STATES)) == len(MODEM_STATES)
    assert set(STATE_REASONS) == set(MODEM_STATES) - {"ready"}
    assert set(STATE_REASONS.values()) <= set(OUT_OF_ROUTING)
    assert STATE_REASONS["pin_unconfirmed"] == "sim_locked"
