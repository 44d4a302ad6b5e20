"""The dispatcher: sends wait for the first free modem of their choice, oldest first."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from otpbroker.domain.message import OutboundSms, SendOutcome
from otpbroker.modem.dispatch import Dispatcher
from otpbroker.modem.gsm import ModemOptions
from otpbroker.modem.pool import ModemPool, ModemSpec
from otpbroker.modem.transport import SerialSettings

from modem_waits import wait_until


def waiting_thread(dispatcher: Dispatcher, choices: list[str], got: list[str | None],
                   timeout: float = 10.0) -> threading.Thread:  # fmt: skip
    """Acquire in a thread; the result is appended to ``got``."""
    thread = threading.Thread(target=lambda: got.append(dispatcher.acquire(choices, timeout)))
    thread.start()
    return thread


def test_a_free_ready_modem_is_taken_at_once_in_the_order_of_preference() -> None:
    dispatcher = Dispatcher()
    for modem in ("a", "b"):
        dispatcher.set_ready(modem, True)
    assert dispatcher.acquire(["b", "a"], 0) == "b"
    assert dispatcher.acquire(["b", "a"], 0) == "a"
    assert dispatcher.acquire(["b", "a"], 0) is None  # both busy: nothing within 0 s
    dispatcher.release("a")
    assert dispatcher.acquire(["b", "a"], 0) == "a"


def test_a_modem_that_is_not_ready_is_never_handed_out() -> None:
    dispatcher = Dispatcher()
    dispatcher.set_ready("a", True)
    dispatcher.set_ready("a", False)
    assert dispatcher.acquire(["a"], 0.05) is None
    assert dispatcher.waiting() == 0  # a send that gave up leaves no trace


def test_the_oldest_waiting_send_gets_the_next_free_modem() -> None:
    dispatcher = Dispatcher()
    dispatcher.set_ready("a", True)
    assert dispatcher.acquire(["a"], 0) == "a"
    served: list[int] = []

    def send(index: int) -> None:
        assert dispatcher.acquire(["a"], 10) == "a"
        served.append(index)

    threads = []
    for index in range(5):
        threads.append(threading.Thread(target=send, args=(index,)))
        threads[-1].start()
        assert wait_until(lambda count=index + 1: dispatcher.waiting() == count, 5)
    for count in range(1, 6):
        dispatcher.release("a")
        assert wait_until(lambda count=count: len(served) == count, 5)
    assert served == [0, 1, 2, 3, 4]  # first come, first served
    for thread in threads:
        thread.join(5)


def test_a_waiting_send_takes_whichever_of_its_modems_frees_first() -> None:
    dispatcher = Dispatcher()
    for modem in ("a", "b", "c"):
        dispatcher.set_ready(modem, True)
        dispatcher.acquire([modem], 0)
    got: list[str | None] = []
    thread = waiting_thread(dispatcher, ["a", "b"], got)
    assert wait_until(lambda: dispatcher.waiting() == 1, 5)
    dispatcher.release("c")  # not one of its choices: it keeps waiting
    assert dispatcher.waiting() == 1 and got == []
    dispatcher.release("b")
    thread.join(5)
    assert got == ["b"]


def test_a_modem_coming_back_is_given_to_a_send_waiting_for_it() -> None:
    dispatcher = Dispatcher()
    got: list[str | None] = []
    thread = waiting_thread(dispatcher, ["a"], got)
    assert wait_until(lambda: dispatcher.waiting() == 1, 5)
    dispatcher.set_ready("a", True)
    thread.join(5)
    assert got == ["a"]


def test_a_later_send_may_use_a_modem_an_older_one_cannot() -> None:
    dispatcher = Dispatcher()
    for modem in ("a", "b"):
        dispatcher.set_ready(modem, True)
        dispatcher.acquire([modem], 0)
    old: list[str | None] = []
    young: list[str | None] = []
    first = waiting_thread(dispatcher, ["a"], old)
    assert wait_until(lambda: dispatcher.waiting() == 1, 5)
    second = waiting_thread(dispatcher, ["a", "b"], young)
    assert wait_until(lambda: dispatcher.waiting() == 2, 5)
    dispatcher.release("b")  # only the younger send can use b
    second.join(5)
    assert young == ["b"] and old == []
    dispatcher.release("a")
    first.join(5)
    assert old == ["a"]


@pytest.mark.parametrize("modems", [1, 3])
def test_never_two_sends_on_one_modem_at_once(modems: int) -> None:
    dispatcher = Dispatcher()
    names = [f"m{i}" for i in range(modems)]
    for name in names:
        dispatcher.set_ready(name, True)
    lock = threading.Lock()
    holding: set[str] = set()
    clashes: list[str] = []
    done: list[str] = []

    def send() -> None:
        modem = dispatcher.acquire(names, 30)
        assert modem is not None
        with lock:
            if modem in holding:
                clashes.append(modem)
            holding.add(modem)
        time.sleep(0.002)
        with lock:
            holding.discard(modem)
            done.append(modem)
        dispatcher.release(modem)

    threads = [threading.Thread(target=send) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert clashes == [] and len(done) == 60


def test_through_the_pool_a_faster_modem_takes_more_and_none_waits_idle(make_sim) -> None:
    """Real ptys: a modem with a slow SMSC and a fast one share 24 messages sent from 8
    threads at once; each takes the next message when it is free, so the fast one sends
    most of them, and every message goes out exactly once."""
    slow = make_sim(send_delay=0.5, imei="356938035643809")
    fast = make_sim(send_delay=0.02, imei="356938035643817")
    pool = ModemPool(reconnect_delays=(0.1, 0.2))
    options = ModemOptions(prompt_timeout=2.0, result_timeout=5.0, command_timeout=2.0)
    pool.apply([ModemSpec(name, name, SerialSettings(port=sim.port), options)
                for name, sim in (("slow", slow), ("fast", fast))])  # fmt: skip
    try:
        assert wait_until(lambda: all(s.connected for s in pool.statuses()), 15)
        texts = [f"otp {index}" for index in range(24)]
        used: list[str | None] = []

        def send(text: str) -> None:
            delivery = pool.send(
                ["slow", "fast"],
                pool.encode(OutboundSms("628126666666", text, None, "rest"), 10),
                60,
            )
            assert delivery.outcome is SendOutcome.SENT
            used.append(delivery.modem_id)

        with ThreadPoolExecutor(8) as executor:
            list(executor.map(send, texts))
        assert sorted(d.text for d in slow.deliveries + fast.deliveries) == sorted(texts)
        assert (
            used.count("fast") == len(fast.deliveries) > used.count("slow") == len(slow.deliveries)
        )
        assert pool.waiting() == 0
    finally:
        pool.stop()
