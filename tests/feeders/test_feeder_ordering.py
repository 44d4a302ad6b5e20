"""The keyed serial executor, the retry policy and the order key, without any broker."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

import pytest

from otpbroker.bootstrap import Broker
from otpbroker.feeders.ordering import KeyedExecutor
from otpbroker.feeders.retry import RetryPolicy, retry_after, retry_later
from otpbroker.services.replies import Code, Reply


@pytest.fixture
def executor():
    made = KeyedExecutor(8, "test")
    yield made
    made.shutdown()


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


def test_jobs_of_one_key_run_one_at_a_time_in_submission_order(executor):
    lock = threading.Lock()
    running: dict[str, int] = defaultdict(int)
    overlaps: list[str] = []
    ran: dict[str, list[int]] = defaultdict(list)
    rng = random.Random(16)
    submitted: dict[str, list[int]] = defaultdict(list)

    def job(key, index, pause):
        def run():
            with lock:
                running[key] += 1
                if running[key] > 1:
                    overlaps.append(key)
            time.sleep(pause)
            with lock:
                running[key] -= 1
                ran[key].append(index)

        return run

    for index in range(300):
        key = f"62812{rng.randrange(6)}"
        submitted[key].append(index)
        executor.submit(key, job(key, index, rng.choice((0.0, 0.0, 0.001))))
    wait_for(lambda: sum(map(len, ran.values())) == 300, what="every job")
    assert overlaps == []
    assert dict(ran) == dict(submitted)
    assert executor.waiting_keys() == 0


def test_different_keys_and_keyless_jobs_run_in_parallel(executor):
    first_started, second_done, third_done = threading.Event(), threading.Event(), []

    def first():
        first_started.set()
        assert second_done.wait(5), "the other key never ran while this one was busy"

    executor.submit("628111", first)
    assert first_started.wait(5)
    executor.submit("628222", second_done.set)
    executor.submit(None, lambda: third_done.append(True))
    wait_for(lambda: second_done.is_set() and third_done, what="the other jobs")


def test_a_job_asking_to_wait_keeps_its_place_and_the_key_waits_behind_it(executor):
    order: list[str] = []
    tries = []

    def held():
        tries.append(time.monotonic())
        order.append("held")
        return 0.05 if len(tries) < 3 else None

    executor.submit("628111", held)
    executor.submit("628111", lambda: order.append("behind"))
    executor.submit("628222", lambda: order.append("other"))
    wait_for(lambda: "behind" in order, what="the job behind")
    assert order.index("other") < order.index("behind")
    assert [o for o in order if o != "other"] == ["held", "held", "held", "behind"]
    assert tries[1] - tries[0] >= 0.04 and tries[2] - tries[1] >= 0.04  # it did wait


def test_wake_runs_a_waiting_job_at_once(executor):
    tries: list[int] = []
    executor.submit("628111", lambda: tries.append(1) or (600.0 if len(tries) == 1 else None))
    executor.submit(None, lambda: tries.append(2) or (600.0 if tries.count(2) == 1 else None))
    wait_for(lambda: len(tries) == 2, what="the first tries")
    executor.wake()
    wait_for(lambda: len(tries) == 4, what="the woken tries")
    assert executor.waiting_keys() == 0


def test_a_wake_for_good_also_runs_a_job_that_asks_to_wait_only_afterwards(executor):
    # A stop's wake can come between a job's answer and its wait: it must not wait then.
    tries: list[int] = []
    asked = threading.Event()
    woken = threading.Event()

    def job() -> float | None:
        tries.append(1)
        if len(tries) == 1:
            asked.set()
            woken.wait(10)  # the stop wakes the executor before this try asks to wait
            return 600.0
        return None

    executor.submit("628111", job)
    assert asked.wait(10)
    executor.wake(for_good=True)
    woken.set()
    wait_for(lambda: len(tries) == 2, what="the second try, at once")
    wait_for(lambda: executor.waiting_keys() == 0, what="the key to be done")


def test_a_failing_job_is_logged_and_the_key_goes_on(executor, caplog):
    done = []

    def broken():
        raise RuntimeError("boom")

    executor.submit("628111", broken)
    executor.submit("628111", lambda: done.append(True))
    wait_for(lambda: done, what="the job behind the broken one")
    assert "a job failed" in caplog.text


def reply(code, data=None):
    return Reply("send-sms", code, "text", data)


def test_retry_policy_tries_later_answers_again_only():
    policy = RetryPolicy(delays=(1.0, 2.0), limit=3, bounds=(0.5, 60.0))
    assert [policy.delay(reply(Code.NO_MODEM), n) for n in range(4)] == [1.0, 2.0, 2.0, None]
    assert policy.delay(reply(Code.QUOTA_REACHED, {"retry_after": 7}), 0) == 7.0
    assert policy.delay(reply(Code.QUOTA_REACHED, {"retry_after": 0.01}), 0) == 0.5  # bounded
    assert policy.delay(reply(Code.QUOTA_REACHED, {"retry_after": 86400}), 0) == 60.0
    assert policy.delay(reply(Code.QUOTA_REACHED, {"retry_after": "soon"}), 1) == 2.0
    for final in (Code.OK, Code.SEND_FAILED, Code.OUTCOME_UNKNOWN, Code.BLOCKED,
                  Code.NOT_CONFIGURED):  # fmt: skip
        assert policy.delay(reply(final), 0) is None
    assert RetryPolicy(limit=None).delay(reply(Code.NO_MODEM), 10_000) == 30.0
    assert retry_later(reply(Code.QUOTA_REACHED)) and not retry_later(reply(Code.NOT_CONFIGURED))
    assert retry_after(reply(Code.QUOTA_REACHED, {"retry_after": True})) is None


def test_order_key_is_the_normalised_number_of_commands_on_a_number(tmp_path):
    broker = Broker(tmp_path / "data")
    try:
        key = broker.processor.order_key
        forms = ("08126666666", "628126666666", "+628126666666", "0812-6666-666", 628126666666)
        for command in ("send-sms", "block-msisdn", "unblock-msisdn", "request-otp"):
            for form in forms:
                assert key({"command": command, "data": {"msisdn": form}}) == "628126666666"
        assert key({"command": "verify-otp", "data": {"token": "t", "otp": "1"}}) is None
        assert key({"command": "send-mail", "data": {"recipient": "a@b.c"}}) is None
        assert key({"command": "send-sms", "data": {"msisdn": "not a number"}}) is None
        assert key({"command": "send-sms", "data": "x"}) is None
        assert key(["send-sms"]) is None
    finally:
        broker.stop()


def test_shutdown_leaves_no_timer_behind_even_for_a_job_that_keeps_waiting():
    executor = KeyedExecutor(2, "test")
    tries = []

    def stubborn():
        tries.append(1)
        return 600.0

    executor.submit("628111", stubborn)
    wait_for(lambda: tries, what="the first try")
    before = set(threading.enumerate())
    executor.shutdown()  # wakes it (a second try), which asks to wait again: dropped
    assert len(tries) == 2
    wait_for(lambda: not [t for t in set(threading.enumerate()) - before if t.is_alive()]
             and not [t for t in threading.enumerate() if isinstance(t, threading.Timer)],
             what="no timer thread left")  # fmt: skip
