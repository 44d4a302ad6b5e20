"""The emulator's PIN faults: ``pin-no-answer`` swallows ``AT+CPIN=<pin>`` (the SIM never
sees it), ``pin-error`` answers it as with ``AT+CMEE=0``; the SIM counts every PIN typed."""

from __future__ import annotations

import pytest
from sim_talk import ask, dialogue

from otpbroker.modem.sim import parse_fault
from otpbroker.modem.sim.personalities import NAMES


@pytest.mark.parametrize("name", NAMES)
def test_a_swallowed_pin_gets_no_answer_and_leaves_the_sim_locked(name: str) -> None:
    modem = dialogue(name, conditions=("pin:3",))
    ask(modem, "AT+CMEE=1")
    modem.inject("pin-no-answer")
    assert ask(modem, 'AT+CPIN="1234"') == []  # not even an error
    card = modem.state.card
    assert (card.pin_entries, card.pin_tries, card.unlocked) == (1, 3, False)
    assert ask(modem, "AT+CPIN?") == ["+CPIN: SIM PIN", "OK"]  # everything else answers
    assert modem.faults.active() == ["pin-no-answer"]
    modem.clear_faults()
    assert ask(modem, 'AT+CPIN="1234"')[-1] == "OK" and card.pin_entries == 2


@pytest.mark.parametrize("name", NAMES)
def test_a_pin_error_is_a_plain_error_and_still_costs_its_try(name: str) -> None:
    modem = dialogue(name, conditions=("pin:3",))
    ask(modem, "AT+CMEE=1")
    modem.inject("pin-error")
    assert ask(modem, 'AT+CPIN="0000"') == ["ERROR"]
    card = modem.state.card
    assert (card.pin_entries, card.pin_tries) == (1, 2)
    assert modem.state.cmee == 1  # only the PIN's answer lost its code
    modem.clear_faults()
    assert ask(modem, 'AT+CPIN="0000"') == ["+CME ERROR: 16"] and card.pin_tries == 1
    modem.inject("pin-error")
    assert ask(modem, 'AT+CPIN="1234"')[-1] == "OK" and card.unlocked  # a right one: OK


def test_pin_faults_last_until_the_modem_restarts_and_take_no_parameter() -> None:
    modem = dialogue("generic", conditions=("pin:3",))
    modem.inject("pin-no-answer")
    ask(modem, 'AT+CPIN="1234"')
    assert ask(modem, 'AT+CPIN="1234"') == [] and modem.state.card.pin_entries == 2
    modem.power_on()
    assert modem.faults.active() == [] and modem.state.card.pin_entries == 2
    assert parse_fault("pin-no-answer") == ("pin-no-answer", {})
    assert parse_fault("pin-error") == ("pin-error", {})
    with pytest.raises(ValueError, match="takes no parameter"):
        parse_fault("pin-error:2")
