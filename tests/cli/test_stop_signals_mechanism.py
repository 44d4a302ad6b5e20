"""The signal-safe stop mechanism (``otpbroker.stop_signals``) on its own: signals counted
through the wake-up pipe, handlers given back, the bounded stop and its last resort."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from otpbroker.stop_signals import STOP_SIGNALS, StopSignals, stop_watched


@pytest.fixture
def signals():
    caught = StopSignals()
    before = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    assert caught.install()
    yield caught
    caught.restore()
    assert {signum: signal.getsignal(signum) for signum in STOP_SIGNALS} == before


def test_each_signal_is_read_in_order(signals):
    assert signals.pending() == []
    sent = [signal.SIGHUP, signal.SIGINT, signal.SIGTERM]
    for signum in sent:
        os.kill(os.getpid(), signum)
    came: list[int] = []
    deadline = time.monotonic() + 30
    while len(came) < len(sent) and time.monotonic() < deadline:
        came += signals.wait(1)
    assert came == sent
    assert signals.wait(0.05) == []


def test_wake_ends_a_wait_without_a_signal(signals):
    threading.Timer(0.1, signals.wake).start()
    assert signals.wait(30) == []
    assert signals.pending() == []


def test_off_the_main_thread_nothing_is_caught():
    before = signal.getsignal(signal.SIGTERM)
    result = []
    thread = threading.Thread(target=lambda: result.append(StopSignals().install()))
    thread.start()
    thread.join(10)
    assert result == [False]
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_stop_runs_aside_while_further_signals_are_handled(signals):
    release = threading.Event()
    seen: list[int] = []

    def on_signal(signum: int) -> None:
        seen.append(signum)
        release.set()  # the "hurry": lets the stop end

    def stop() -> None:
        os.kill(os.getpid(), signal.SIGINT)  # a second signal while stopping
        assert release.wait(30)

    assert stop_watched(stop, signals, on_signal) is None
    assert seen == [signal.SIGINT]


def test_a_failing_stop_is_handed_back(signals):
    def stop() -> None:
        raise OSError("port gone")

    failure = stop_watched(stop, signals, lambda signum: None)
    assert isinstance(failure, OSError)


def test_a_stop_past_its_bound_ends_the_process_whatever_its_threads_do():
    program = textwrap.dedent("""
        import threading, time
        from otpbroker.stop_signals import exit_after
        exit_after(0.3, 3, "the stop did not end")
        threading.Thread(target=time.sleep, args=(3600,)).start()  # not a daemon: blocks exit
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert (done.returncode, done.stderr) == (3, "the stop did not end\n")


def test_a_late_signal_after_ignore_leaves_the_exit_status_alone():
    program = textwrap.dedent("""
        import os, signal, sys
        from otpbroker.stop_signals import StopSignals
        signals = StopSignals()
        signals.install()
        signals.ignore()
        sys.stdout.write("ready\\n"); sys.stdout.flush()
        sys.stdin.readline()
    """)
    process = subprocess.Popen([sys.executable, "-c", program], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert process.stdout is not None and process.stdin is not None
    assert process.stdout.readline() == "ready\n"
    for signum in STOP_SIGNALS:
        process.send_signal(signum)
    process.stdin.write("\n")
    process.stdin.close()
    assert process.wait(60) == 0
