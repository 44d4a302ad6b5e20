"""Pseudo-terminal plumbing: create a raw pty, write without blocking forever."""

from __future__ import annotations

import os
import select
import time
import tty


def open_pty() -> tuple[int, int, str]:
    """A new pty: (non-blocking master fd, raw slave fd, slave path)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    return master, slave, os.ttyname(slave)


def write_all(fd: int, data: bytes, patience: float) -> int:
    """Write ``data`` to the non-blocking ``fd``; returns how many bytes were dropped because
    the buffer stayed full (nobody reading) for ``patience`` seconds or the fd failed."""
    view = memoryview(data)
    deadline = time.monotonic() + patience
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            if time.monotonic() > deadline:
                return len(view)
            select.select([], [fd], [], 0.05)
        except OSError:
            return len(view)
    return 0
