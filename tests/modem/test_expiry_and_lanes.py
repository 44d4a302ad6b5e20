"""Expiry and priority lanes on emulated modems: an expired message never reaches AT+CMGS,
the PDU's validity period follows the time left, and a waiting OTP is the next send."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import replace

import pytest

from otpbroker.domain.delivery import Lane
from otpbroker.domain.message import Delivery, OutboundSms, SendOutcome
from otpbroker.modem.dispatch import Dispatcher
from otpbroker.modem.encoded import encode_sms
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pdu import validity_from_minutes
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.sim import SimModem
from otpbroker.modem.transport import SerialSettings
from otpbroker.modem.worker import ModemWorker

from modem_waits import wait_ready, wait_until

NUMBER = "628126666666"
OPTIONS = ModemOptions(prompt_timeout=2.0, result_timeout=5.0, command_timeout=2.0)


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_pool(clock: FakeClock) -> Iterator[Callable[..., ModemPool]]:
    """A pool on the fake wall clock with one modem per emulated modem given; stopped after."""
    pools: list[ModemPool] = []

    def factory(*sims: SimModem, options: ModemOptions = OPTIONS) -> ModemPool:
        pool = ModemPool(reconnect_delays=(0.1, 0.2), wall_clock=clock)
        pools.append(pool)
        pool.apply([ModemSpec(f"m{i}", f"m{i}", SerialSettings(port=sim.port), options)
                    for i, sim in enumerate(sims)])  # fmt: skip
        assert wait_until(lambda: all(s.connected for s in pool.statuses()), 15)
        return pool

    yield factory
    for pool in pools:
        pool.stop()


def send(pool: ModemPool, text: str, **terms: object) -> Delivery:
    """Send ``text`` on the pool's first modem."""
    message = pool.encode(OutboundSms(NUMBER, text, None, "rest"), 10)
    return pool.send(["m0"], message, 30, **terms)  # type: ignore[arg-type]


def in_thread(target: Callable[[], Delivery]) -> tuple[threading.Thread, list[Delivery]]:
    """Run ``target`` in a thread; its delivery lands in the list."""
    result: list[Delivery] = []
    thread = threading.Thread(target=lambda: result.append(target()))
    thread.start()
    return thread, result


# -- the dispatcher ---------------------------------------------------------------------------
def test_a_waiting_otp_takes_the_next_free_modem_before_older_bulk_sends() -> None:
    dispatcher = Dispatcher()
    dispatcher.set_ready("a", True)
    assert dispatcher.acquire(["a"], 0) == "a"  # busy with a send in flight
    served: list[str] = []

    def wait(name: str, lane: Lane) -> None:
        assert dispatcher.acquire(["a"], 10, lane=lane) == "a"
        served.append(name)

    threads = []
    arrivals = [("b1", Lane.BULK), ("b2", Lane.BULK), ("o1", Lane.OTP), ("b3", Lane.BULK),
                ("o2", Lane.OTP)]  # fmt: skip
    for index, (name, lane) in enumerate(arrivals):
        threads.append(threading.Thread(target=wait, args=(name, lane)))
        threads[-1].start()
        assert wait_until(lambda count=index + 1: dispatcher.waiting() == count, 5)
    for count in range(1, 6):
        dispatcher.release("a")
        assert wait_until(lambda count=count: len(served) == count, 5)
    assert served == ["o1", "o2", "b1", "b2", "b3"]  # OTPs first, each lane in arrival order
    for thread in threads:
        thread.join(5)


def test_an_expired_waiting_send_takes_no_modem(clock: FakeClock) -> None:
    dispatcher = Dispatcher(wall_clock=clock)
    dispatcher.set_ready("a", True)
    assert dispatcher.acquire(["a"], 0) == "a"
    expiring: list[str | None] = []
    thread = threading.Thread(
        target=lambda: expiring.append(dispatcher.acquire(["a"], 30, expires_at=clock.now + 20))
    )
    thread.start()
    assert wait_until(lambda: dispatcher.waiting() == 1, 5)
    clock.advance(21)
    dispatcher.release("a")  # the modem frees up after the expiry: the send does not take it
    thread.join(5)
    assert expiring == [None] and dispatcher.waiting() == 0
    assert dispatcher.acquire(["a"], 0) == "a"  # the modem stayed free for the next one


# -- expiry on an emulated modem -----------------------------------------------------------------
def test_a_message_expired_when_submitted_is_never_written(make_sim, make_pool, clock) -> None:
    sim = make_sim()
    pool = make_pool(sim)
    delivery = send(pool, "too late", expires_at=clock.now - 1)
    assert (delivery.outcome, delivery.error_code) == (SendOutcome.EXPIRED, "EXPIRED")
    assert not delivery.may_try_another_modem
    assert send(pool, "in time", expires_at=clock.now + 60).outcome is SendOutcome.SENT
    assert [d.text for d in sim.deliveries] == ["in time"]


def test_a_message_that_expires_while_waiting_for_a_modem_is_never_written(
    make_sim, make_pool, clock
) -> None:
    sim = make_sim(send_delay=0.5)
    pool = make_pool(sim)
    first, first_result = in_thread(lambda: send(pool, "first"))
    assert wait_until(lambda: pool.busy() == {"m0"}, 5)
    late, late_result = in_thread(lambda: send(pool, "late", expires_at=clock.now + 30))
    assert wait_until(lambda: pool.waiting() == 1, 5)
    clock.advance(31)  # it expires while the modem is still busy with the first
    first.join(10)
    late.join(10)
    assert first_result[0].outcome is SendOutcome.SENT
    assert late_result[0].outcome is SendOutcome.EXPIRED
    assert "not sent" in (late_result[0].error or "")
    assert [d.text for d in sim.deliveries] == ["first"]


def test_a_message_that_expires_in_the_modem_s_queue_is_never_written(make_sim, clock) -> None:
    """The owner thread checks the expiry right before AT+CMGS: jobs queued while the modem
    was not ready yet end expired when their time passed, and nothing reaches the network."""
    sim = make_sim()
    worker = ModemWorker("m", SerialSettings(port=sim.port), OPTIONS, wall_clock=clock)
    try:
        expiring: Future = worker.submit_sms(
            encode_sms("+" + NUMBER, "expiring"), expires_at=clock.now + 10
        )
        lasting = worker.submit_sms(encode_sms("+" + NUMBER, "lasting"))
        clock.advance(11)
        worker.start()  # the modem connects only now: the first job's time has passed
        wait_ready(worker)
        assert expiring.result(10).outcome is SendOutcome.EXPIRED
        assert lasting.result(10).outcome is SendOutcome.SENT
        assert [d.text for d in sim.deliveries] == ["lasting"]
        assert len(sim.log.parts) == 1
        assert worker.status.sent == 1 and worker.status.failed == worker.status.unknown == 0
    finally:
        worker.stop()


def test_a_message_that_expires_while_its_modem_is_away_ends_expired(clock) -> None:
    """A modem that cannot connect keeps its queue until the jobs' deadlines; a job whose
    expiry passes meanwhile ends expired at once (nothing was sent)."""
    worker = ModemWorker("m", SerialSettings(port="/dev/no-such-modem"), OPTIONS,
                         reconnect_delays=(0.05,), wall_clock=clock)  # fmt: skip
    try:
        future = worker.submit_sms(encode_sms("+" + NUMBER, "x"), expires_at=clock.now + 10)
        lasting = worker.submit_sms(encode_sms("+" + NUMBER, "y"), queue_timeout=60)
        worker.start()
        assert not wait_until(future.done, 0.3)  # not yet expired: it waits for the modem
        clock.advance(11)
        assert future.result(10).outcome is SendOutcome.EXPIRED
        assert not lasting.done()  # one without an expiry keeps waiting for its deadline
    finally:
        worker.stop()


def test_a_long_message_is_never_cut_when_its_expiry_passes_between_parts(make_sim) -> None:
    """The expiry is checked once, before the first part: a message whose time runs out
    while its parts are written goes out whole."""
    sim = make_sim()

    def clock() -> float:  # the expiry (1000) passes as soon as the first part is out
        return 10_000.0 if sim.log.parts else 1.0

    worker = ModemWorker("m", SerialSettings(port=sim.port), OPTIONS, wall_clock=clock)
    worker.start()
    try:
        wait_ready(worker)
        future = worker.submit_sms(encode_sms("+" + NUMBER, "y" * 400), expires_at=1000.0)
        result = future.result(10)
        assert (result.outcome, result.parts) == (SendOutcome.SENT, 3)
        assert len(sim.log.parts) == 3 and clock() > 1000.0
    finally:
        worker.stop()


# -- the validity period in the PDU the emulator received ---------------------------------------
@pytest.mark.parametrize(
    ("ttl", "configured_minutes", "octet"),
    [
        (None, 0, None),  # no expiry, no configured period: as before, none in the PDU
        (None, 1440, 167),  # no expiry: the configured period, as before
        (60, 1440, 0),  # under 5 minutes: the shortest period
        (600, 1440, 1),  # 10 minutes
        (3600, 1440, 11),  # 1 hour
        (3599, 1440, 10),  # never above the time left: 55 minutes
        (86400, 0, 167),  # 1 day
        (604800, 1440, 167),  # a week, but never above the configured day
        (604800, 0, 173),  # a week with no configured period: exactly 7 days
        (604799, 0, 172),  # a second less: 6 days
    ],
)
def test_the_pdu_validity_period_is_the_time_left(
    make_sim, make_pool, clock, ttl, configured_minutes, octet
) -> None:
    sim = make_sim()
    validity = validity_from_minutes(configured_minutes)
    pool = make_pool(sim, options=replace(OPTIONS, validity=validity))
    expires_at = None if ttl is None else clock.now + ttl  # the fake clock stands still
    assert send(pool, "vp", expires_at=expires_at).outcome is SendOutcome.SENT
    [part] = sim.log.parts
    assert part.submit.validity == octet


def test_every_part_of_a_long_message_has_the_same_period(make_sim, make_pool, clock) -> None:
    sim = make_sim()
    pool = make_pool(sim)
    assert send(pool, "x" * 400, expires_at=clock.now + 1800).outcome is SendOutcome.SENT
    assert [part.submit.validity for part in sim.log.parts] == [5, 5, 5]  # 30 minutes


# -- the lanes on an emulated modem ----------------------------------------------------------------
def test_a_queued_otp_waits_for_at_most_the_bulk_send_in_flight(make_sim, make_pool) -> None:
    """One modem at 0.3 s per SMS: 10 bulk messages queued, then 3 OTPs. Between an OTP's
    arrival and its own PDU, the emulator receives at most one bulk PDU (the one in flight)."""
    sim = make_sim(send_delay=0.3)
    pool = make_pool(sim)
    threads: list[threading.Thread] = []
    arrived: dict[str, float] = {}

    def queue(text: str, lane: Lane) -> None:
        def run() -> Delivery:
            arrived[text] = time.perf_counter()
            return send(pool, text, lane=lane)

        threads.append(in_thread(run)[0])

    for index in range(10):
        queue(f"bulk {index}", Lane.BULK)
    assert wait_until(lambda: pool.waiting() == 9, 10)  # one in flight, nine waiting
    for index in range(3):
        queue(f"otp {index}", Lane.OTP)
    for thread in threads:
        thread.join(30)
    received = {p.submit.text: p.received_at for p in sim.log.parts}
    assert len(received) == 13
    order = sorted(received, key=received.__getitem__)
    for index in range(3):
        otp = f"otp {index}"
        overtaken = [t for t in order if t.startswith("bulk")
                     and arrived[otp] < received[t] < received[otp]]  # fmt: skip
        assert len(overtaken) <= 1, (otp, overtaken, order)
    otps = [t for t in order if t.startswith("otp")]
    assert otps == ["otp 0", "otp 1", "otp 2"]
    assert order[-1].startswith("bulk")  # bulk messages were still waiting behind the OTPs
