"""One plugged-in period of an emulated modem: its pty, its thread and its timers."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import math
import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import ptyio

log = logging.getLogger(__name__)

WRITE_PATIENCE = 0.5
"""Seconds a write waits for a full pty buffer (nobody reading) before dropping the rest."""

_ORDER = itertools.count()


@dataclass
class Session:
    """The master fd of one pty, a wake-up pipe, the thread that serves them and the lines
    due later (``later`` is a heap guarded by ``lock``: other threads may add to it)."""

    master: int
    wake_r: int
    wake_w: int
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    later: list[tuple[float, int, bytes]] = field(default_factory=list)
    next_urc: float = math.inf
    lock: threading.Lock = field(default_factory=threading.Lock)
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls) -> tuple[Session, int, str]:
        """A new pty: (session, slave fd the emulator keeps open, slave path)."""
        master, slave, path = ptyio.open_pty()
        wake_r, wake_w = os.pipe()
        return cls(master, wake_r, wake_w), slave, path

    def close(self) -> None:
        """Stop the thread (unless called from it) and close every fd."""
        self.stop.set()
        self.wake()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(5)
        with self.write_lock:
            for fd in (self.master, self.wake_r, self.wake_w):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def wake(self) -> None:
        """Make the thread look at its timers again."""
        with contextlib.suppress(OSError):
            os.write(self.wake_w, b"x")

    def add_later(self, seconds: float, data: bytes) -> None:
        """Write ``data`` ``seconds`` from now (from any thread)."""
        with self.lock:
            heapq.heappush(self.later, (time.monotonic() + seconds, next(_ORDER), data))
        self.wake()

    def drop_later(self) -> None:
        """Forget everything scheduled (the modem restarted)."""
        with self.lock:
            self.later.clear()

    def due(self, now: float) -> list[bytes]:
        """Scheduled data whose time has come, in order."""
        found = []
        with self.lock:
            while self.later and self.later[0][0] <= now:
                found.append(heapq.heappop(self.later)[2])
        return found

    def next_deadline(self) -> float:
        """When the next timer (scheduled line or random URC) is due."""
        with self.lock:
            first = self.later[0][0] if self.later else math.inf
        return min(first, self.next_urc)

    def write(self, data: bytes, name: str) -> None:
        """Write to the master; drop what a full buffer (nobody reading) does not take."""
        with self.write_lock:
            if self.stop.is_set():
                return
            dropped = ptyio.write_all(self.master, data, WRITE_PATIENCE)
        if dropped:
            log.debug("modem %s: nobody reads, %d bytes dropped", name, dropped)

    def serve(self, on_data: Callable[[bytes], None], on_timers: Callable[[], None]) -> None:
        """The thread's loop: hand received bytes and due timers to the modem until stopped."""
        while not self.stop.is_set():
            deadline = self.next_deadline()
            timeout = None if deadline == math.inf else max(0.0, deadline - time.monotonic())
            try:
                ready, _, _ = select.select([self.master, self.wake_r], [], [], timeout)
            except (OSError, ValueError):
                break
            if self.stop.is_set():
                break
            if self.wake_r in ready:
                with contextlib.suppress(OSError):
                    os.read(self.wake_r, 512)
            if self.master in ready:
                try:
                    data = os.read(self.master, 4096)
                except BlockingIOError:
                    data = b""
                except OSError:
                    self.stop.wait(0.05)
                    data = b""
                if data:
                    on_data(data)
            on_timers()

    def pause(self, seconds: float, on_timers: Callable[[], None]) -> None:
        """Busy for ``seconds`` (input waits), still sending timed lines."""
        end = time.monotonic() + seconds
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= end:
                return
            self.stop.wait(max(0.0, min(end, self.next_deadline()) - now))
            on_timers()
