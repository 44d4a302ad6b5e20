"""The graceful-stop rig's verdicts (``stop_report.py``): each broken invariant is named with
what broke it, and what a stop may legitimately do (refuse or reset a connection once serve
was signalled, answer "try later") is not counted against it."""

from __future__ import annotations

from collections import Counter

from stop_clients import Attempt, Message, Phase, RestClient
from stop_report import Report, StopRecord

MESSAGES = [Message(f"m-{n}", f"0813000000{n}", "Kode OTP 123456", t)
            for n, t in enumerate(("rest", "amqp", "mqtt", "rest"))]  # fmt: skip
ONCE = Counter({m.key: 1 for m in MESSAGES})
CLEAN_STOPS = [StopRecord(0.4, 0, False, sent=1), StopRecord(2.5, 0, False, sent=3)]


def client(message: Message, *attempts: Attempt, final: bool = True) -> RestClient:
    rest = RestClient(message, Phase(1), ("user", "password"), 60.0, lambda: 0.0)
    rest.attempts = list(attempts)
    rest.final = attempts[-1] if final else None
    return rest


def sent(phase: str = "up", ended: str = "up") -> Attempt:
    return Attempt(phase, "answer", 200, "0000", ended)


def tolerated_clients() -> list[RestClient]:
    """Refusals and cuts once serve was signalled or gone, try-later answers, then sent."""
    return [
        client(MESSAGES[0], Attempt("stopping", "refused"), Attempt("stopping", "cut"),
               Attempt("stopping", "answer", 503, "1112"), sent("up", "stopping")),
        client(MESSAGES[3], Attempt("down", "refused"), Attempt("starting", "refused"),
               Attempt("up", "answer", 503, "1101"), sent()),
    ]  # fmt: skip


def test_a_clean_run_has_no_violations_and_prints_its_figures():
    report = Report(7, 45.0, MESSAGES, ONCE, CLEAN_STOPS, tolerated_clients())
    assert report.violations() == []
    text = "\n".join(report.lines())
    assert "seed 7" in text and "min 0.40 s, median 1.45 s, max 2.50 s" in text
    assert "0 lost, 0 duplicated" in text and "503 1112 (stopping) x1" in text
    assert "while serve was stopping: 4 in all, at most 3 in one stop" in text


def test_lost_and_duplicated_messages_are_named_with_their_transport():
    deliveries = Counter({MESSAGES[0].key: 1, MESSAGES[1].key: 2, MESSAGES[3].key: 1})
    report = Report(7, 45.0, MESSAGES, deliveries, CLEAN_STOPS, tolerated_clients())
    assert report.violations() == ["1 lost: m-2 (mqtt)", "1 delivered more than once: m-1 (amqp)"]


def test_requests_without_a_definite_answer_are_violations():
    clients = [
        client(MESSAGES[0], Attempt("up", "cut", ended="stopping"), sent()),
        client(MESSAGES[3], Attempt("starting", "timeout"), final=False),
    ]
    found = Report(7, 45.0, MESSAGES, ONCE, CLEAN_STOPS, clients).violations()
    assert found == [
        "1 REST requests hung (client time-out): m-3 (rest)",
        "1 REST requests sent to a serve not yet stopping were cut without an answer: "
        "{'cut (up>stopping)': 1}",
        "1 REST clients without a final answer: m-3 (rest)",
    ]


def test_an_unknown_or_failed_final_answer_is_a_violation():
    clients = [
        client(MESSAGES[0], Attempt("up", "answer", 202, "1103")),
        client(MESSAGES[3], sent()),
    ]
    found = Report(7, 45.0, MESSAGES, ONCE, CLEAN_STOPS, clients).violations()
    assert found == ["REST final answers other than 0000: {'202 1103': 1}"]


def test_slow_killed_and_failing_stops_are_violations():
    stops = [StopRecord(0.4, 0, False), StopRecord(45.5, 0, False), StopRecord(75.0, -9, True),
             StopRecord(1.0, 1, False)]  # fmt: skip
    report = Report(7, 45.0, MESSAGES, ONCE, stops, tolerated_clients())
    assert report.violations() == [
        "stops over the bound of 45 s: #2: 45.5 s, #3: 75.0 s (killed)",
        "serve exited non-zero: #3: -9, #4: 1",
    ]
    assert report.violations(with_bound=False) == ["serve exited non-zero: #3: -9, #4: 1"]
