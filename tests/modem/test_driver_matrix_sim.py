"""PIN safety on every personality: tries read with the vendor's command, a PIN never
entered with fewer than two tries left, a rejected PIN never again, a PUK never sent.

Each test gets a fresh emulator (the SIM's counters are the point of the test).
"""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from matrix_rigs import PERSONALITIES, profile_of

from otpbroker.domain.sim_state import sim_advice

from modem_waits import wait_ready, wait_until

PIN = "1234"  # the PIN the emulator's pin and puk conditions lock the SIM with


def card(sim):
    return sim.dialogue.state.card


def wait_state(worker, state: str) -> None:
    assert wait_until(lambda: worker.status.state == state, 10), worker.status


@pytest.mark.parametrize("name", PERSONALITIES)
def test_the_right_pin_is_entered_once_with_enough_tries(make_sim, make_worker, name):
    sim = make_sim(**profile_of(name, conditions=("pin:3",)))
    status = wait_ready(make_worker(sim.port, pin=PIN))
    assert status.connected and card(sim).pin_tries == 3 and card(sim).unlocked


@pytest.mark.parametrize("name", PERSONALITIES)
def test_a_pin_is_not_entered_with_one_try_left(make_sim, make_worker, name):
    sim = make_sim(**profile_of(name, conditions=("pin:1",)))
    worker = make_worker(sim.port, pin=PIN)
    wait_state(worker, "pin_low_tries")
    time.sleep(0.5)  # it stays there, and the SIM was never asked
    assert worker.status.state == "pin_low_tries" and worker.status.pin_tries == 1
    assert card(sim).pin_tries == 1 and not card(sim).unlocked
    assert "phone" in sim_advice("pin_low_tries", worker.status.pin_tries)
    assert "tries left: 1" in worker.status.out_of_routing[1]


@pytest.mark.parametrize("name", PERSONALITIES)
def test_a_rejected_pin_is_never_entered_again(make_sim, make_worker, name):
    sim = make_sim(**profile_of(name, conditions=("pin:3",)))
    worker = make_worker(sim.port, pin="0000")
    wait_state(worker, "pin_rejected")
    assert card(sim).pin_tries == 2 and worker.status.pin_tries == 2
    sim.unplug()  # pulled out and plugged in again, as hot-plug reports it
    worker.unplugged()
    wait_state(worker, "unplugged")
    sim.replug()
    worker.retry_now()
    wait_state(worker, "pin_rejected")  # reconnected, and the same wrong PIN stayed out
    time.sleep(0.3)
    assert card(sim).pin_tries == 2 and worker.status.state == "pin_rejected"


@pytest.mark.parametrize("name", PERSONALITIES)
def test_a_puk_is_never_sent(make_sim, make_worker, name):
    sim = make_sim(**profile_of(name, conditions=("puk",)))
    worker = make_worker(sim.port, pin=PIN)
    wait_state(worker, "puk_required")
    time.sleep(0.3)
    assert card(sim).puk_tries == 10 and card(sim).pin_tries == 0
    assert "PUK" in worker.status.out_of_routing[1]


@pytest.mark.parametrize("name", PERSONALITIES)
def test_a_missing_sim_is_reported(make_sim, make_worker, name):
    sim = make_sim(**profile_of(name, conditions=("no-sim",)))
    worker = make_worker(sim.port, pin=PIN)
    wait_state(worker, "no_sim")
    assert worker.status.out_of_routing[0] == "no_sim"
    assert "insert a SIM" in worker.status.out_of_routing[1]


@pytest.mark.parametrize("name", PERSONALITIES)
def test_a_locked_sim_without_a_configured_pin_says_so_with_its_tries(make_sim, make_worker, name):
    sim = make_sim(**profile_of(name, conditions=("pin:3",)))
    worker = make_worker(sim.port)
    wait_state(worker, "pin_required")
    assert worker.status.pin_tries == 3 and card(sim).pin_tries == 3
    assert worker.status.out_of_routing[0] == "sim_locked"


def test_a_pin_the_modem_never_answers_is_written_once_across_reconnects(make_sim, make_worker):
    """The modem swallows AT+CPIN=: whether it cost a try is unknown, so it never goes in
    again, not after a reconnect with new settings nor after a replug."""
    sim = make_sim(**profile_of("generic", conditions=("pin:3",)))
    sim.inject("pin-no-answer")
    worker = make_worker(sim.port, pin=PIN, pin_timeout=0.5)
    wait_state(worker, "pin_unconfirmed")
    assert card(sim).pin_entries == 1
    assert "not be entered again" in worker.status.out_of_routing[1]
    assert worker.status.out_of_routing[0] == "sim_locked"
    time.sleep(1.5)  # longer than every reconnect back-off of the test worker
    assert card(sim).pin_entries == 1
    worker.reconfigure(worker._settings, replace(worker.options, command_timeout=1.5))
    time.sleep(1.0)  # re-opened and initialised again with other settings, same PIN
    assert card(sim).pin_entries == 1 and worker.status.state == "pin_unconfirmed"
    sim.unplug()  # pulled out and plugged in again: the fault is gone, the SIM locked again
    worker.unplugged()
    wait_state(worker, "unplugged")
    sim.replug()
    worker.retry_now()
    wait_state(worker, "pin_unconfirmed")  # reconnected, and the same PIN stayed out
    time.sleep(0.5)
    assert card(sim).pin_entries == 1 and not card(sim).unlocked
    worker.reconfigure(worker._settings, replace(worker.options, pin=PIN))
    time.sleep(0.5)
    assert card(sim).pin_entries == 1  # the same PIN typed in the form again changes nothing
    worker.reconfigure(worker._settings, replace(worker.options, pin="4321"))
    wait_state(worker, "pin_rejected")  # a new PIN is entered, once
    assert card(sim).pin_entries == 2 and card(sim).pin_tries == 2


@pytest.mark.parametrize("name", PERSONALITIES)
def test_a_pin_answered_with_a_plain_error_is_never_entered_again(make_sim, make_worker, name):
    """A modem that ignores AT+CMEE=1 answers a wrong PIN with a bare ERROR: it cost a try,
    and the driver cannot tell it from any other refusal, so the PIN stays out."""
    sim = make_sim(**profile_of(name, conditions=("pin:3",)))
    sim.inject("pin-error")
    worker = make_worker(sim.port, pin="0000")
    wait_state(worker, "pin_unconfirmed")
    assert card(sim).pin_entries == 1 and card(sim).pin_tries == 2
    assert worker.status.pin_tries == 2  # read again after the error
    time.sleep(1.5)
    assert card(sim).pin_entries == 1 and card(sim).pin_tries == 2
    assert worker.status.state == "pin_unconfirmed"
