"""The self-pipe that wakes a modem's owner thread while it waits in ``select()``.

Any thread may ``wake`` it; only the owner thread waits on it and, when its thread ends,
closes it. Once closed it is never written again: the number of a closed descriptor may
already belong to another file (another modem's pipe, a serial port).
"""

from __future__ import annotations

import contextlib
import os
import select
import threading


class WakePipe:
    """A non-blocking pipe: ``wake`` from anywhere, ``wait``/``sleep`` in the owner thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._open = True

    @property
    def is_open(self) -> bool:
        """False once closed."""
        return self._open

    def wake(self) -> None:
        """Make the owner thread's current or next wait return (any thread; never raises)."""
        with self._lock:
            if self._open:
                with contextlib.suppress(BlockingIOError, OSError):
                    os.write(self._write, b"\0")

    def wait(self, fd: int | None, timeout: float) -> tuple[bool, bool]:
        """Wait up to ``timeout`` seconds for ``fd`` to be readable or a wake;
        ``(fd readable, woken)``."""
        fds = [self._read] if fd is None else [fd, self._read]
        ready, _, _ = select.select(fds, [], [], timeout)
        woken = self._read in ready
        if woken:
            self._drain()
        return fd is not None and fd in ready, woken

    def sleep(self, seconds: float) -> None:
        """Sleep, ending early on a wake."""
        self.wait(None, seconds)

    def _drain(self) -> None:
        try:
            while os.read(self._read, 512):
                pass
        except (BlockingIOError, OSError):
            pass

    def close(self) -> None:
        """Close both ends once (the owner thread, as it ends)."""
        with self._lock:
            if self._open:
                self._open = False
                for fd in (self._read, self._write):
                    with contextlib.suppress(OSError):
                        os.close(fd)


__all__ = ["WakePipe"]
