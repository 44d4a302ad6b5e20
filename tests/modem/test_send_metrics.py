"""The send-latency histogram and the ``+CMS ERROR`` counts a modem's owner thread feeds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from otpbroker.domain.message import SendOutcome
from otpbroker.modem.send_metrics import SendMetrics

SENT, FAILED, UNKNOWN = SendOutcome.SENT, SendOutcome.FAILED, SendOutcome.UNKNOWN


def test_buckets_are_cumulative_and_a_bound_belongs_to_its_own_bucket():
    metrics = SendMetrics((1.0, 2.0, 5.0))
    for seconds in (0.2, 1.0, 1.5, 4.0, 9.0):
        metrics.record("m1", SENT, None, seconds)
    view = metrics.histograms()["m1"]
    assert view.buckets == ((1.0, 2), (2.0, 3), (5.0, 4))
    assert view.count == 5 and view.total == pytest.approx(15.7)


def test_only_sent_messages_are_timed_and_only_cms_codes_are_counted_by_class():
    metrics = SendMetrics()
    metrics.record("m1", FAILED, "CMS1", 0.3)
    metrics.record("m1", UNKNOWN, "CMS500", 0.4)  # a later part failed: unknown outcome
    metrics.record("m1", FAILED, "CME14", 0.1)
    metrics.record("m1", FAILED, "NO_PROMPT", 10.0)
    metrics.record("m2", FAILED, "CMS8", 0.2)
    metrics.record("m2", FAILED, "CMS600", 0.2)  # manufacturer-specific
    assert metrics.histograms() == {}
    assert metrics.cms_errors() == {("m1", "number"): 1, ("m1", "unknown"): 1,
                                    ("m2", "sim"): 1, ("m2", "unknown"): 1}  # fmt: skip


def test_concurrent_records_are_all_counted():
    metrics = SendMetrics()

    def burst(modem: str) -> None:
        for _ in range(2000):
            metrics.record(modem, SENT, None, 0.7)
            metrics.record(modem, FAILED, "CMS42", 0.1)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(burst, ["a", "b", "a", "b"]))
    assert {m: v.count for m, v in metrics.histograms().items()} == {"a": 4000, "b": 4000}
    assert metrics.cms_errors() == {("a", "transient"): 4000, ("b", "transient"): 4000}
