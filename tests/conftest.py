"""Fixtures and options shared by every test folder.

``--test-order`` runs the collected tests in another order, to show that every test passes
alone and in any order: ``file`` (the default), ``reverse``, or ``shuffle:SEED`` (a shuffle
that the same integer seed repeats). The order used is printed in the report header. A test
marked ``summary`` sums up the other tests of its module (it counts what they did), so in
every order it runs right after the last of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Iterator
from typing import Any

import pytest

from otpbroker.config import schema
from otpbroker.config.schema_limits import RATE_LIMIT_KEYS
from otpbroker.i18n import catalogues

TEST_ORDERS = ("file", "reverse", "shuffle:SEED")

catalogues.install()  # as the entry points do: in-process apps read the catalogues too


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
    config.addinivalue_line(
        "markers", "summary: sums up the other tests of its module; runs after them in any order"
    )
    config.addinivalue_line(
        "markers", "deb: builds the Debian package and installs it in a clean Debian root (root)"
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"test order: {config.getoption('test_order')}"


@pytest.hookimpl(trylast=True)  # after any other plugin's reordering
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the collected tests in the order ``--test-order`` asks for, summaries last."""
    name_every_case(items)
    order = config.getoption("test_order")
    seed = shuffle_seed(order)
    if order == "reverse":
        items.reverse()
    elif seed is not None:
        random.Random(seed).shuffle(items)
    keep_summaries_last(items)


def name_every_case(items: list[pytest.Item]) -> None:
    """Give schemathesis's generated tests their own node ids (``...[POST /api/sms]``).

    Under pytest 9 they all share their function's id; the parallel runner schedules by node
    id, so it ran one operation's cases only."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and not item.nodeid.endswith("]"):
            named = f"{item.nodeid}[{label}]"
            if hasattr(item, "_id"):  # pytest 9: a structured id (private; no public setter)
                item._id = type(item._id).parse(named)
            else:
                item._nodeid = named


def keep_summaries_last(items: list[pytest.Item]) -> None:
    """Move each test marked ``summary`` right after the last other test of its module."""
    for summary in [item for item in items if item.get_closest_marker("summary")]:
        items.remove(summary)
        same_module = [i for i, item in enumerate(items) if item.path == summary.path]
        items.insert(max(same_module, default=len(items) - 1) + 1, summary)


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


@pytest.fixture(autouse=True, scope="session")
def no_rate_limits_by_default() -> Iterator[None]:
    """The anti-pumping rate limits default to off in the tests' own process.

    Many tests send more messages to one test number, one number range or from one user
    than an OTP device allows by default (``limits.*``); the tests of the limits set the
    values they test. Brokers started as separate programs keep the product defaults."""
    with pytest.MonkeyPatch.context() as patch:
        for key in RATE_LIMIT_KEYS:
            spec = schema.SETTINGS_BY_KEY[key]
            patch.setitem(schema.SETTINGS_BY_KEY, key, dataclasses.replace(spec, default=0))
        yield
