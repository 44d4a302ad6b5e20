"""PIN safety on every personality: tries read with the vendor's command, a PIN never
entered with fewer than two tries left, a rejected PIN never again, a PUK never sent.

Each test gets a fresh emulator (the SIM's counters are the point of the test).
"""

from __future__ import annotations

import time

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
