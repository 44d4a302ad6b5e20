"""Waiting in tests: poll a condition until it holds or a time limit passes.

Every test folder imports it as ``waiting``: pytest puts this folder on ``sys.path`` for
the ``conftest.py`` beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.02) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` passes; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
