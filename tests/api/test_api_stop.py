"""A graceful stop through the real front: what REST clients see, and what the modems send.

One emulated modem takes 1.5 s per SMS. A send is on the air when the stop begins, a
second one waits behind it for the modem: the first ends ``0000``, the second ``1112`` and
is never written to the modem; a request made after the stop began is refused with ``503``,
``1112`` and ``Retry-After``, and ``/health`` says ``stopping``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from broker_harness import BrokerHarness

STOP_BOUND = 60.0  # generous: the emulated send takes 1.5 s


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Wait until ``condition()`` holds (AssertionError naming ``what`` otherwise)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def in_thread(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run ``call`` on a thread; its result lands in the returned list."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    return thread, result


def ledger_states(data_dir: Path) -> dict[str, str]:
    """The last state of every key in the send ledger."""
    states: dict[str, str] = {}
    path = data_dir / "send-ledger.log"
    for line in path.read_text().splitlines() if path.exists() else ():
        record = json.loads(line.split(" ", 1)[1])
        states[record["k"]] = record["s"]
    return states


def on_the_air(data_dir: Path, message_id: str) -> Callable[[], bool]:
    """True once the message is in the send ledger: recorded as ``sending`` immediately
    before its AT+CMGS is written (then perhaps already with its outcome)."""
    return lambda: f"sms:{message_id}" in ledger_states(data_dir)


def test_a_stop_answers_the_send_on_the_air_and_gives_back_the_one_queued(tmp_path: Path):
    h = BrokerHarness(tmp_path)
    sim, _modem = h.add_modem(profile={"send_delay": 1.5})
    h.add_user()
    h.start()
    stopped = False
    try:
        status, body, _ = h.request("/health", method="GET", auth=None)
        assert (status, body["data"]["status"]) == (200, "ok")
        on_air, first = in_thread(lambda: h.send_sms("08126666601", "Kode OTP 111111", "on-air"))
        wait_for(on_the_air(tmp_path, "on-air"), "the first send to be on the air")
        queued, second = in_thread(lambda: h.send_sms("08126666602", "Kode OTP 222222", "queued"))
        wait_for(lambda: h.broker.pool.waiting() == 1, "the second send to wait for the modem")

        h.broker.shutdown.begin()
        status, body, headers = h.send_sms("08126666603", "Kode OTP 333333", "late")
        assert (status, body["response_code"]) == (503, "1112"), body
        assert int(headers["Retry-After"]) > 0
        status, body, headers = h.request("/health", method="GET", auth=None)
        assert (status, body["response_code"], body["data"]["status"]) == (503, "1112", "stopping")
        assert int(headers["Retry-After"]) > 0

        stopper, _ = in_thread(h.broker.stop)
        on_air.join(STOP_BOUND)
        queued.join(STOP_BOUND)
        stopper.join(STOP_BOUND)
        assert not stopper.is_alive(), "Broker.stop did not return"
        stopped = True
        [(status, body, _)] = first
        assert (status, body["response_code"]) == (200, "0000"), body
        [(status, body, headers)] = second
        assert (status, body["response_code"]) == (503, "1112"), body
        assert int(headers["Retry-After"]) > 0
        # Only the send on the air reached the modem: the queued and the late one never did.
        assert [part.submit.destination for part in sim.log.parts] == ["+628126666601"]
        # Nothing of the refused ones is in the send ledger: the same ids may be sent later.
        ledger = (tmp_path / "send-ledger.log").read_text()
        assert "sms:on-air" in ledger
        assert "sms:queued" not in ledger and "sms:late" not in ledger
    finally:
        if not stopped:
            h.broker.stop()
        for modem in h.sims:
            modem.stop()


def test_a_stop_ends_the_owner_threads_and_closes_the_ports(tmp_path: Path):
    h = BrokerHarness(tmp_path)
    for _ in range(2):
        h.add_modem(profile={"send_delay": 0.5})
    h.add_user()
    h.start()
    try:
        workers = list(h.broker.pool._workers.values())
        sending, result = in_thread(lambda: h.send_sms("08126666604", "Kode OTP 444444", "x"))
        wait_for(on_the_air(tmp_path, "x"), "the send to be on the air")
        started = time.monotonic()
        h.broker.stop()
        assert time.monotonic() - started < h.broker.stop_bound()
        sending.join(STOP_BOUND)
        assert result[0][1]["response_code"] == "0000"
        assert [w.status.state for w in workers] == ["stopped", "stopped"]
        assert not any(w._thread.is_alive() for w in workers)
    finally:
        for modem in h.sims:
            modem.stop()


def test_a_send_unanswered_at_the_bound_ends_unknown_and_is_never_resent(tmp_path: Path):
    h = BrokerHarness(tmp_path)
    sim, _modem = h.add_modem()
    h.add_user()
    h.broker.store.update_settings({"sms.stop_timeout_seconds": 1, "sms.result_timeout_seconds": 5})
    h.start()
    try:
        sim.inject("no-result")  # the modem takes the PDU and never answers +CMGS
        sending, result = in_thread(lambda: h.send_sms("08126666605", "Kode OTP 555555", "mute"))
        wait_for(on_the_air(tmp_path, "mute"), "the send to be on the air")
        started = time.monotonic()
        h.broker.stop()
        assert time.monotonic() - started < h.broker.stop_bound()
        sending.join(STOP_BOUND)
        [(status, body, _)] = result
        assert (status, body["response_code"]) == (202, "1103"), body
        assert ledger_states(tmp_path)["sms:mute"] == "unknown"
    finally:
        for modem in h.sims:
            modem.stop()


def test_a_hurried_stop_does_not_wait_for_a_send_on_the_air(tmp_path: Path):
    h = BrokerHarness(tmp_path)
    h.add_modem(profile={"send_delay": 20.0})  # far beyond the hurried wait
    h.add_user()
    h.start()
    try:
        sending, result = in_thread(lambda: h.send_sms("08126666606", "Kode OTP 666666", "slow"))
        wait_for(on_the_air(tmp_path, "slow"), "the send to be on the air")
        h.broker.shutdown.begin()
        stopper, _ = in_thread(h.broker.stop)
        time.sleep(0.5)
        assert stopper.is_alive()  # a graceful stop waits for the send on the air...
        started = time.monotonic()
        h.broker.shutdown.hurry()
        stopper.join(STOP_BOUND)
        assert not stopper.is_alive()
        assert time.monotonic() - started < 15.0  # ...a hurried one not for its 20 s
        sending.join(STOP_BOUND)
        [(status, body, _)] = result
        assert (status, body["response_code"]) == (202, "1103"), body
        assert ledger_states(tmp_path)["sms:slow"] == "unknown"  # never resent
    finally:
        for modem in h.sims:
            modem.stop()


def test_a_send_that_fails_during_a_stop_is_given_back_not_moved_to_another_modem(tmp_path: Path):
    h = BrokerHarness(tmp_path)
    sims = [h.add_modem(profile={"send_delay": 1.5})[0] for _ in range(2)]
    h.add_user()
    h.start()
    try:
        for sim in sims:  # whichever takes it fails; another modem would be tried normally
            sim.inject("cms-error", code=500, count=100)
        sending, result = in_thread(lambda: h.send_sms("08126666607", "Kode OTP 777777", "f"))
        wait_for(on_the_air(tmp_path, "f"), "the send to be on the air")
        h.broker.stop()
        sending.join(STOP_BOUND)
        [(status, body, headers)] = result
        assert (status, body["response_code"]) == (503, "1112"), body  # not 1102 after two
        assert int(headers["Retry-After"]) > 0
        assert ledger_states(tmp_path)["sms:f"] == "failed"  # nothing went out: may be resent
    finally:
        for modem in h.sims:
            modem.stop()
