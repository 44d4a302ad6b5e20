"""Stop signals that can never hang the process: SIGTERM, SIGINT and SIGHUP through a pipe.

A Python signal handler runs in the main thread between two bytecodes, possibly while that
thread holds a lock; a handler that takes a lock (``threading.Event.set()``) can then wait
for itself forever. Here the handler does nothing at all: the interpreter's C-level handler
writes each signal's number into a non-blocking pipe (``signal.set_wakeup_fd``) and the
main thread reads the pipe in ``poll()``. No lock, no logging, no allocation in a handler.

``StopSignals.wait()`` returns the signals that came; any thread may ``wake()`` the waiter
(a zero byte, which is no signal). ``exit_after()`` is the last resort of a bounded stop.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

#: The signals that stop a long-running command (Ctrl-C, a supervisor, a closed terminal).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _nothing(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler: the signal's byte is already in the pipe."""


class StopSignals:
    """The stop signals of this process, counted through a wake-up pipe.

    ``install()`` works in the main thread only; elsewhere nothing is caught and ``wait()``
    only sleeps (a caller in another thread stops the command another way)."""

    def __init__(self) -> None:
        self._pipe: tuple[int, int] | None = None
        self._previous_fd = -1
        self._previous: dict[int, Any] = {}  # what signal.signal() returned

    @property
    def installed(self) -> bool:
        """True while the signals are caught here."""
        return self._pipe is not None

    def install(self) -> bool:
        """Catch the stop signals from now on; False (nothing changed) off the main thread."""
        if threading.current_thread() is not threading.main_thread() or self.installed:
            return self.installed
        read_end, write_end = os.pipe()  # close-on-exec: children never inherit it
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)
        self._pipe = (read_end, write_end)
        self._previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, _nothing)
        return True

    def restore(self) -> None:
        """Give the previous handlers back (for in-process callers; a command that is
        ending keeps its handlers, so a late signal cannot kill it with another status)."""
        if self._pipe is None:
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self._previous_fd)
        for descriptor in self._pipe:
            os.close(descriptor)
        self._pipe, self._previous = None, {}

    def ignore(self) -> None:
        """Ignore the stop signals from now on: for a command whose stop is over. (At its
        exit the interpreter puts back the default action of every signal it handled, and
        a signal then would end the process with another status; an ignored one stays so.)"""
        if self._pipe is not None:
            for signum in STOP_SIGNALS:
                signal.signal(signum, signal.SIG_IGN)

    def wake(self) -> None:
        """Make a ``wait()`` return now (any thread; never blocks)."""
        if self._pipe is not None:
            with contextlib.suppress(OSError):  # full: the waiter has plenty to read already
                os.write(self._pipe[1], b"\0")

    def pending(self) -> list[int]:
        """The signals that came since the last look, without waiting."""
        return self.wait(0)

    def wait(self, timeout: float | None = None) -> list[int]:
        """The signals that came (their numbers, in order), waiting up to ``timeout``
        seconds (None: for ever) for a signal or a ``wake()``; [] when none came."""
        if self._pipe is None:
            if timeout is None:
                raise RuntimeError("waiting for ever on signals that are not caught")
            time.sleep(timeout)
            return []
        poller = select.poll()
        poller.register(self._pipe[0], select.POLLIN)
        if not poller.poll(None if timeout is None else max(0, int(timeout * 1000))):
            return []
        return [byte for byte in self._drain() if byte]

    def _drain(self) -> bytes:
        assert self._pipe is not None
        chunks = []
        while True:
            try:
                chunk = os.read(self._pipe[0], 512)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def stop_watched(
    stop: Callable[[], object], signals: StopSignals, on_signal: Callable[[int], None]
) -> BaseException | None:
    """Run ``stop`` on a thread of its own while this thread keeps reading the signals (each
    one calls ``on_signal``, e.g. to hurry the stop); return once ``stop`` has returned: None,
    or the exception it raised. Bound it with ``exit_after()``."""
    failure: list[BaseException] = []
    done = threading.Event()  # set by an ordinary thread, never by a signal handler

    def stopping() -> None:
        try:
            stop()
        except BaseException as exc:  # reported by the caller, in the main thread
            failure.append(exc)
        finally:
            done.set()
            signals.wake()

    threading.Thread(target=stopping, name="stop", daemon=True).start()
    while not done.is_set():
        for signum in signals.wait(None if signals.installed else 0.1):
            on_signal(signum)
    return failure[0] if failure else None


def exit_after(seconds: float, status: int, message: str) -> threading.Timer:
    """The last resort of a bounded stop: unless the process has ended within ``seconds``
    (or the timer returned is cancelled), write ``message`` to stderr and end the process
    with ``status``, whatever its threads are doing. A daemon thread; it writes to the
    descriptor directly, taking no logging lock that a stuck thread might hold."""

    def fire() -> None:
        try:
            os.write(2, f"{message}\n".encode())
        finally:
            os._exit(status)

    timer = threading.Timer(seconds, fire)
    timer.name, timer.daemon = "stop-bound", True
    timer.start()
    return timer
