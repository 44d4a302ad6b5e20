"""Fixtures and options shared by every test folder.

``--test-order`` runs the collected tests in another order, to show that every test passes
alone and in any order: ``file`` (the default), ``reverse``, or ``shuffle:SEED`` (a shuffle
that the same integer seed repeats). The order used is printed in the report header.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import pytest

TEST_ORDERS = ("file", "reverse", "shuffle:SEED")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--test-order",
        default="file",
        metavar="|".join(TEST_ORDERS),
        help="run the tests in file order (default), reversed, or shuffled with an integer seed",
    )


def shuffle_seed(order: str) -> int | None:
    """The seed of ``shuffle:SEED``, None for the other orders; UsageError if unknown."""
    if order in ("file", "reverse"):
        return None
    kind, _, seed = order.partition(":")
    if kind != "shuffle" or not seed.lstrip("-").isdigit():
        raise pytest.UsageError(f"--test-order must be one of {', '.join(TEST_ORDERS)}: {order!r}")
    return int(seed)


def pytest_configure(config: pytest.Config) -> None:
    shuffle_seed(config.getoption("test_order"))  # a bad value stops the run before collection


def pytest_report_header(config: pytest.Config) -> str:
    return f"test order: {config.getoption('test_order')}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the collected tests in the order ``--test-order`` asks for."""
    order = config.getoption("test_order")
    seed = shuffle_seed(order)
    if order == "reverse":
        items.reverse()
    elif seed is not None:
        random.Random(seed).shuffle(items)


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
