"""The owner thread's SMS-path check after an unclassified send error travels with the
result (``SmsResult.path_check``), on a real pty with the emulator."""

from __future__ import annotations

from otpbroker.domain.message import PathCheck, SendOutcome
from otpbroker.modem.encoded import encode_sms

from modem_waits import wait_ready, wait_until

NUMBER = "+628126666666"


def test_an_unclassified_error_on_a_modem_with_a_path_says_so(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port)
    wait_ready(worker)
    sim.inject("cms-error", code=500)
    result = worker.submit_sms(encode_sms(NUMBER, "otp 500")).result(10)
    assert (result.outcome, result.error_code) == (SendOutcome.FAILED, "CMS500")
    assert result.path_check is PathCheck.HAS_PATH


def test_an_unclassified_error_on_a_modem_without_a_path_says_so(make_sim, make_worker):
    sim = make_sim(conditions=("lte-no-sms:0",))
    worker = make_worker(sim.port)
    assert wait_until(lambda: worker.status.sms_path is not None, 10), worker.status
    result = worker.submit_sms(encode_sms(NUMBER, "otp lte")).result(10)
    assert (result.outcome, result.error_code) == (SendOutcome.FAILED, "CMS500")
    assert result.path_check is PathCheck.NO_PATH


def test_sent_messages_and_classified_errors_are_not_checked(make_sim, make_worker):
    sim = make_sim()
    worker = make_worker(sim.port)
    wait_ready(worker)
    assert (
        worker.submit_sms(encode_sms(NUMBER, "otp ok")).result(10).path_check
        is PathCheck.NOT_CHECKED
    )
    sim.inject("cms-error", code=1)
    result = worker.submit_sms(encode_sms(NUMBER, "otp to nobody")).result(10)
    assert result.error_code == "CMS1" and result.path_check is PathCheck.NOT_CHECKED
