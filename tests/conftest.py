"""Fixtures shared by every test folder."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The work factor (n) of every scrypt run from now on, in order (from any thread)."""
    calls: list[int] = []
    real_scrypt = hashlib.scrypt

    def counting_scrypt(*args: Any, **kwargs: Any) -> bytes:
        calls.append(int(kwargs["n"]))
        return real_scrypt(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)
    return calls
