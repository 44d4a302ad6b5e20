"""Shared fixtures of the configuration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from otpbroker.config import ConfigStore


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data directory that does not exist yet."""
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[ConfigStore]:
    """A fresh store."""
    with ConfigStore(data_dir) as opened:
        yield opened
