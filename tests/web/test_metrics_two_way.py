"""``/metrics`` of the two-way part against a real broker: status reports by result, the
last hour's delivery ratio, received SMS per modem and readiness, read by the Prometheus
parser; and the lines alone for the cases a running broker does not easily reach."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
from broker_harness import BrokerHarness, running_broker

from otpbroker.domain.message_life import InboundSms, MessageState, StatusEvent
from otpbroker.web.metrics_two_way import two_way_lines


@pytest.fixture
def harness(tmp_path) -> Iterator[BrokerHarness]:
    yield from running_broker(tmp_path / "data", with_user=True)


def families(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """``{sample name: {sorted labels: value}}`` as the Prometheus parser reads ``text``."""
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def scrape(harness: BrokerHarness) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    status, text, _ = harness.request("/metrics", method="GET", auth=None)
    assert status == 200
    return families(text)


def test_reports_ratio_inbound_and_readiness_on_a_running_broker(harness):
    modem = harness.modem_ids[0]
    first = scrape(harness)
    assert first["otpbroker_ready"] == {(): 1.0}  # the emulated modem is ready
    assert "otpbroker_sms_delivery_reports_total" not in first  # no report yet: no sample
    assert "otpbroker_sms_delivery_ratio" not in first
    bus = harness.broker.two_way.bus
    for n, state in enumerate([MessageState.DELIVERED] * 3 + [MessageState.NOT_DELIVERED]):
        bus.publish_status(StatusEvent(f"m{n}", state, "rest", modem_id=modem))
    bus.publish_status(StatusEvent("m9", MessageState.SENT, "rest", modem_id=modem))
    for _ in range(2):
        bus.publish_inbound(InboundSms(modem, "+628111222333", "halo", 0.0))
    found = scrape(harness)
    reports = found["otpbroker_sms_delivery_reports_total"]
    assert reports == {(("modem", modem), ("result", "delivered")): 3.0,
                       (("modem", modem), ("result", "not_delivered")): 1.0}  # fmt: skip
    assert found["otpbroker_sms_delivery_ratio"] == {(("modem", modem),): 0.75}
    assert found["otpbroker_inbound_sms_total"] == {(("modem", modem),): 2.0}


def test_readiness_goes_to_zero_when_the_broker_stops(harness):
    harness.broker.shutdown.begin()  # the stop began: /health/ready says no, and so does this
    assert scrape(harness)["otpbroker_ready"] == {(): 0.0}


class Readings:
    def totals(self) -> dict[tuple[str, str], int]:
        return {("delivered", "a"): 5, ("not_delivered", "b"): 2, ("inbound", 'we"ird'): 1,
                ("sent", "a"): 9}  # fmt: skip

    def delivery_ratio(self) -> dict[str, float]:
        return {"a": 1.0, "b": 0.0}


def test_the_lines_alone_parse_and_label_every_modem_with_both_results():
    text = "\n".join(two_way_lines(Readings(), ready=False)) + "\n"
    found = families(text)
    assert found["otpbroker_sms_delivery_reports_total"] == {
        (("modem", "a"), ("result", "delivered")): 5.0,
        (("modem", "a"), ("result", "not_delivered")): 0.0,
        (("modem", "b"), ("result", "delivered")): 0.0,
        (("modem", "b"), ("result", "not_delivered")): 2.0,
    }
    assert found["otpbroker_sms_delivery_ratio"] == {(("modem", "a"),): 1.0, (("modem", "b"),): 0.0}
    assert found["otpbroker_inbound_sms_total"] == {(("modem", "we_ird"),): 1.0}
    assert found["otpbroker_ready"] == {(): 0.0}
    assert "otpbroker_ready" not in "\n".join(two_way_lines(Readings(), ready=None))
