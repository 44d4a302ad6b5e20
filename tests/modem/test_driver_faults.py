"""Every emulator fault, and what the driver makes of it (real ptys, nothing mocked)."""

from __future__ import annotations

import os
import time

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.encoded import encode_sms

from modem_waits import wait_ready, wait_until

NUMBER = "+628126666666"


def test_cms_error_is_a_definite_failure_with_the_modem_code(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port)
    wait_ready(worker)
    sim.inject("cms-error", code=500)
    result = worker.submit_sms(encode_sms(NUMBER, "otp 1")).result(10)
    assert result.outcome is SendOutcome.FAILED
    assert result.error_code == "CMS500"
    assert sim.deliveries == []
    assert worker.submit_sms(encode_sms(NUMBER, "otp 2")).result(10).outcome is SendOutcome.SENT
    assert [d.text for d in sim.wait_for_deliveries(1)] == ["otp 2"]


def test_cms_error_on_a_later_part_is_unknown_not_failed(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port)
    wait_ready(worker)
    # Part 1 goes out, part 2 is refused: resending would duplicate part 1, so "unknown".
    sim.inject("cms-error", code=38, after=1)
    result = worker.submit_sms(encode_sms(NUMBER, "a" * 200)).result(10)
    assert result.outcome is SendOutcome.UNKNOWN
    assert result.error_code == "CMS38" and "part 2 of 2" in (result.error or "")
    assert len(result.references) == 1 and len(sim.log.parts) == 1


def test_missing_prompt_is_a_definite_failure_and_the_modem_stays_usable(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port, prompt_timeout=0.5)
    wait_ready(worker)
    sim.inject("slow-prompt", seconds=1.5)
    result = worker.submit_sms(encode_sms(NUMBER, "otp slow")).result(10)
    assert result.outcome is SendOutcome.FAILED and result.error_code == "NO_PROMPT"
    time.sleep(1.5)
    after = worker.submit_sms(encode_sms(NUMBER, "otp after")).result(10)
    assert after.outcome is SendOutcome.SENT
    assert [d.text for d in sim.wait_for_deliveries(1)] == ["otp after"]


def test_slow_prompt_within_the_timeout_still_sends(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port, prompt_timeout=3.0)
    wait_ready(worker)
    sim.inject("slow-prompt", seconds=0.8)
    assert worker.submit_sms(encode_sms(NUMBER, "otp")).result(10).outcome is SendOutcome.SENT


def test_result_timeout_is_unknown_and_never_resent(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port, result_timeout=1.0)
    wait_ready(worker)
    sim.inject("no-result")  # the network did take it, the modem never says so
    result = worker.submit_sms(encode_sms(NUMBER, "otp maybe")).result(10)
    assert result.outcome is SendOutcome.UNKNOWN and result.error_code == "TIMEOUT"
    after = worker.submit_sms(encode_sms(NUMBER, "otp next")).result(10)
    assert after.outcome is SendOutcome.SENT
    texts = [d.text for d in sim.wait_for_deliveries(2)]
    assert texts.count("otp maybe") == 1 and texts.count("otp next") == 1


def test_garbage_bytes_never_kill_the_reader(make_sim, make_worker):
    sim = make_sim(seed=3)
    worker = make_worker(sim.port)
    wait_ready(worker)
    for round_ in range(5):
        sim.inject("garbage", count=200)
        result = worker.submit_sms(encode_sms(NUMBER, f"otp {round_}")).result(15)
        assert result.outcome in (SendOutcome.SENT, SendOutcome.FAILED, SendOutcome.UNKNOWN)
    assert wait_until(lambda: worker.status.connected, 10)
    assert worker.submit_sms(encode_sms(NUMBER, "final")).result(15).outcome is SendOutcome.SENT
    assert "final" in [d.text for d in sim.wait_for_deliveries(1)]


def test_wedged_modem_recovers_by_itself_and_queued_messages_are_sent(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port)
    wait_ready(worker)
    sim.inject("wedge")
    first = worker.submit_sms(encode_sms(NUMBER, "during wedge 1"))
    assert first.result(15).outcome is SendOutcome.FAILED  # no prompt: nothing went out
    assert wait_until(lambda: not worker.status.connected, 10)
    queued = [worker.submit_sms(encode_sms(NUMBER, f"queued {i}")) for i in range(3)]
    time.sleep(1.0)
    assert not any(f.done() for f in queued)
    sim.clear_faults()
    usable_again = time.monotonic()
    assert wait_until(lambda: worker.status.connected, 10)
    assert time.monotonic() - usable_again < 10
    assert [f.result(15).outcome for f in queued] == [SendOutcome.SENT] * 3
    assert sorted(d.text for d in sim.wait_for_deliveries(3)) == [f"queued {i}" for i in range(3)]


def hold_pty(path: str, timeout: float = 5.0) -> list[int]:
    """Open ptys until one of them is ``path`` (every descriptor opened, to close later).

    A new pty takes the lowest free number of the whole machine: the lower ones opened here
    stay held until ``path`` comes; a test running beside this one may hold ``path`` for a
    moment (it cannot be handed out then either), so wait for it to be freed."""
    number = int(path.rsplit("/", 1)[1])
    held: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        controller, terminal = os.openpty()
        name = os.ttyname(terminal)
        if int(name.rsplit("/", 1)[1]) > number:
            os.close(controller)
            os.close(terminal)
            time.sleep(0.01)
            continue
        held += [controller, terminal]
        if name == path:
            break
    return held


def test_unplug_and_replug_under_another_path(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(str(sim.link))
    wait_ready(worker)
    old_path = sim.path
    sim.unplug()
    assert wait_until(lambda: not worker.status.connected, 10)
    queued = [worker.submit_sms(encode_sms(NUMBER, f"while away {i}")) for i in range(2)]
    # Hold the old pty number so the new one differs, like ttyUSB0 -> ttyUSB1.
    held = hold_pty(old_path)
    try:
        new_path = sim.replug()
        usable_again = time.monotonic()
        assert new_path != old_path
        assert os.path.realpath(sim.link) == new_path
        assert wait_until(lambda: worker.status.connected, 10)
        assert time.monotonic() - usable_again < 10
    finally:
        for fd in held:
            os.close(fd)
    assert [f.result(15).outcome for f in queued] == [SendOutcome.SENT] * 2
    assert sorted(d.text for d in sim.wait_for_deliveries(2)) == ["while away 0", "while away 1"]


def test_unplug_during_a_send_is_never_reported_as_sent(make_sim, make_worker):
    sim = make_sim(send_delay=1.0)
    worker = make_worker(str(sim.link))
    wait_ready(worker)
    future = worker.submit_sms(encode_sms(NUMBER, "in flight"))
    assert wait_until(lambda: len(sim.log.parts) == 0 and worker.queued == 0, 2)
    time.sleep(0.3)  # PDU written, waiting for +CMGS
    sim.unplug()
    result = future.result(10)
    assert result.outcome is SendOutcome.UNKNOWN and result.error_code == "PORT_GONE"
    sim.replug()
    assert wait_until(lambda: worker.status.connected, 10)


def test_job_waiting_past_its_deadline_fails_definitely(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(str(sim.link))
    wait_ready(worker)
    sim.unplug()
    assert wait_until(lambda: not worker.status.connected, 10)
    result = worker.submit_sms(encode_sms(NUMBER, "too late"), queue_timeout=0.5).result(10)
    assert result.outcome is SendOutcome.FAILED and result.error_code == "MODEM_UNAVAILABLE"


def test_cancelled_job_is_never_sent(make_sim, make_worker):
    sim = make_sim(send_delay=0.5)
    worker = make_worker(sim.port)
    wait_ready(worker)
    busy = worker.submit_sms(encode_sms(NUMBER, "first"))
    waiting = worker.submit_sms(encode_sms(NUMBER, "second"))
    assert waiting.cancel()
    assert busy.result(10).outcome is SendOutcome.SENT
    time.sleep(1.0)
    assert [d.text for d in sim.deliveries] == ["first"]
