"""The job's ``before_send``: called by the owner thread just before the first AT+CMGS,
never for a message no modem started."""

from __future__ import annotations

import threading

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.encoded import encode_sms

from modem_waits import wait_ready


def test_it_is_called_once_by_the_owner_thread_before_anything_is_sent(make_sim, make_worker):
    sim = make_sim(send_delay=0.2)
    worker = make_worker(sim.port)
    wait_ready(worker)
    calls: list[tuple[str, int]] = []

    def before_send() -> None:
        calls.append((threading.current_thread().name, len(sim.deliveries)))

    message = encode_sms("+628126666666", "a" * 200)  # two parts: still one call
    result = worker.submit_sms(message, before_send=before_send).result(20)
    assert result.outcome is SendOutcome.SENT and len(sim.deliveries) == 1
    assert calls == [(f"modem-{worker.modem_id}", 0)]


def test_it_is_never_called_for_a_message_no_modem_started(make_worker, tmp_path):
    worker = make_worker(str(tmp_path / "no-such-port"))
    calls: list[str] = []

    def before_send() -> None:
        calls.append("called")

    message = encode_sms("+628126666666", "never sent")
    result = worker.submit_sms(message, queue_timeout=0.3, before_send=before_send).result(20)
    assert result.outcome is SendOutcome.FAILED and result.error_code == "MODEM_UNAVAILABLE"
    assert calls == []
