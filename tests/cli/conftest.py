"""Fixtures of the command-line tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from signal_rig import default_stop_signals


@pytest.fixture(autouse=True)
def stop_signals_at_their_default() -> Iterator[None]:
    """Every command a test starts can be stopped by a signal from its first instant."""
    with default_stop_signals():
        yield
