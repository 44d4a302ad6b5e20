"""USSD through the driver: every reply encoding, before/after OK, packed requests, errors."""

from __future__ import annotations

import pytest

from otpbroker.modem.errors import ModemError
from otpbroker.modem.sim import UssdReply
from otpbroker.modem.ussd import UssdError

from modem_waits import wait_ready

REPLIES = {
    "*888#": UssdReply("Sisa pulsa Rp 10.000. Aktif s/d 31-12-2030.", "gsm7", "after"),
    "*123#": UssdReply("Paket internet 2GB aktif @ Rp 5.000", "gsm7-packed", "after"),
    "*100#": UssdReply("Баланс 100 руб.", "ucs2", "before"),
    "*555#": UssdReply("Sisa pulsa", "ascii-hex", "after"),
    "*556#": UssdReply("Kuota 😀 habis", "ucs2", "after"),
    "*557#": UssdReply("Saldo {ok} [1]", "gsm7", "before"),
}


@pytest.mark.parametrize("code", sorted(REPLIES))
def test_ussd_reply_is_decoded_in_every_encoding(make_sim, make_worker, code):
    sim = make_sim(ussd=REPLIES)
    worker = make_worker(sim.port)
    wait_ready(worker)
    assert worker.submit_ussd(code).result(15) == REPLIES[code].text


def test_packed_ussd_request_for_sticks_that_want_it(make_sim, make_worker):
    sim = make_sim(ussd=REPLIES)
    worker = make_worker(sim.port, ussd_packed=True)
    wait_ready(worker)
    assert worker.submit_ussd("*888#").result(15) == REPLIES["*888#"].text


def test_unknown_ussd_code_is_a_clear_error_and_the_modem_stays_up(make_sim, make_worker):
    sim = make_sim(ussd=REPLIES)
    worker = make_worker(sim.port)
    wait_ready(worker)
    with pytest.raises(UssdError, match="not supported"):
        worker.submit_ussd("*999#").result(15)
    assert worker.status.connected
    assert worker.submit_ussd("*555#").result(15) == "Sisa pulsa"


@pytest.mark.parametrize("code", ['*888#";AT+CPIN="1', "*88\r8#", "", "abc"])
def test_malformed_ussd_code_is_rejected(make_sim, make_worker, code):
    sim = make_sim(ussd=REPLIES)
    worker = make_worker(sim.port)
    wait_ready(worker)
    with pytest.raises(UssdError, match="invalid USSD code"):
        worker.submit_ussd(code).result(15)
    assert sim.dialogue.state.attempts_left == 3


def test_ussd_timeout_when_the_network_never_answers(make_sim, make_worker):
    sim = make_sim(ussd={})
    worker = make_worker(sim.port, ussd_timeout=1.0)
    wait_ready(worker)
    sim.dialogue.profile.ussd["*777#"] = UssdReply("x")
    with pytest.raises(UssdError):
        worker.submit_ussd("*000#").result(15)


def test_a_ussd_request_the_modem_never_started_raises(make_sim, make_worker):
    """A request that waited for a modem that never came raises ModemError (it is not
    handed back as if the error were the reply)."""
    sim = make_sim(ussd=REPLIES)
    sim.unplug()  # the modem is gone before the worker ever reached it
    worker = make_worker(sim.port)
    with pytest.raises(ModemError, match="unavailable"):
        worker.submit_ussd("*888#", queue_timeout=0.3).result(10)
