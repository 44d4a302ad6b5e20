"""Slow, idle and numerous clients do not stop the service (a real ``otp-broker serve``).

While 200 hostile connections are held (a few header bytes then a stall; whole headers and
a few body bytes then a stall; idle keep-alive; over TLS also a stalled handshake), 50 authenticated ``send-sms`` on new connections are
each answered 0000 and the admin's login page 200, every one before a generous per-request
time-out (20 s) that a server tying a worker thread to each slow client misses. Nothing
asserts speed; ``scripts/bench/bench_hostile.py`` prints the figures with 1,000 connections.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_clients import HANDSHAKE, IDLE, SLOW_BODY, STALLED, HostileCrowd
from measured_client import Answer, admin_page, send_sms, verifying_tls
from served_broker import ServedBroker

pytestmark = pytest.mark.slow

HOSTILE = 200
REQUESTS = 50
PATIENCE = 20.0  # seconds each request may take; generous, not a speed requirement
CASES = [("http", STALLED), ("http", SLOW_BODY), ("http", IDLE), ("https", STALLED),
         ("https", SLOW_BODY), ("https", HANDSHAKE), ("https", IDLE)]  # fmt: skip
#: The front closes stalled and idle connections after these; longer than a case lasts even
#: on a slow machine, so the connections are held for the whole measurement.
HOLD = {"front.request_timeout_seconds": 60, "front.keep_alive_seconds": 60}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedBroker]:
    broker = ServedBroker(Path(tmp_path_factory.mktemp("hostile")), HOLD)
    try:
        yield broker.start()
    finally:
        broker.stop()


def answered(answers: list[Answer]) -> list[str]:
    """What went wrong with each answer that is not a sent SMS (empty: all sent)."""
    return [f"#{i}: {a}" for i, a in enumerate(answers) if a.status != 200 or a.code != "0000"]


@pytest.mark.parametrize(("scheme", "kind"), CASES)
def test_service_answers_while_hostile_connections_are_held(served, scheme, kind):
    endpoint = served.endpoints[scheme]
    tls = verifying_tls(served.certificate) if scheme == "https" else None
    crowd = HostileCrowd(endpoint.host, endpoint.port, tls=scheme == "https")
    try:
        opened = crowd.open(HOSTILE, kind, timeout=PATIENCE)
        assert opened["held"] == HOSTILE, (opened, crowd.failures())
        answers: list[Answer] = []
        while len(answers) < REQUESTS and not answered(answers):  # stop at the first miss
            answers.append(send_sms(endpoint, len(answers), timeout=PATIENCE, tls=tls))
        admin = admin_page(endpoint, timeout=PATIENCE, tls=tls)
        held = crowd.census()
    finally:
        crowd.close()
    assert answered(answers) == [], answered(answers)[:3]
    assert len(answers) == REQUESTS
    assert admin.status == 200, admin
    # the load was real: every hostile connection was still open when the last answer came
    assert held["held"] == HOSTILE, (held, crowd.failures())
